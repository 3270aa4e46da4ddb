"""Shared pytest configuration: a hypothesis profile sized for a 2-core CI machine, and one line per
reason tests were skipped (bubblewrap, chromium or PostgreSQL missing, no GPU), saying what to install;
and the headless Debian chromium that the browser tests drive (``browser``)."""

import os

import pytest
from hypothesis import HealthCheck, settings

CHROMIUM = "/usr/bin/chromium"  # Debian's (apt-get install chromium): playwright downloads no browser here

settings.register_profile(
    "cnnlab",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("cnnlab")


def pytest_terminal_summary(terminalreporter):
    """One line per skip reason, with how many tests it skipped."""
    reasons = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = str(report.longrepr[2]) if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        terminalreporter.section("skipped, and what they need")
        for reason, count in sorted(reasons.items()):
            terminalreporter.line(f"{count:4d} skipped: {reason}")


@pytest.fixture
def browser():
    """Headless Debian chromium through playwright, closed at the end (tests skip where it is missing)."""
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()
