"""Shared pytest configuration: a hypothesis profile sized for a 2-core CI machine, and one line per
reason tests were skipped (bubblewrap, chromium or PostgreSQL missing, no GPU), saying what to install."""

import os

from hypothesis import HealthCheck, settings

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
