"""Real-browser tests: ConvExplorer in JupyterLab, and the Voila lecture demo, in headless Chromium.

Needs Debian's chromium (``apt-get install -y chromium``; ``.ci/run`` installs it)
and Python playwright (no browser download: playwright drives /usr/bin/chromium).
Screenshots go to ``test-artifacts/``.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

CHROMIUM = "/usr/bin/chromium"
REPO = Path(__file__).resolve().parents[1]
ARTIFACTS = REPO / "test-artifacts"
BIN = Path(sys.executable).parent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM),
                       reason="needs Debian chromium at /usr/bin/chromium: `apt-get update && apt-get install -y "
                              "chromium` (.ci/run installs it)"),
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url, process, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with code {process.returncode} before answering {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no answer from {url} after {timeout} s")


def start_server(request, args, url, tmp_path, name):
    """Start a Jupyter server process in its own session and stop it (and its kernels) at the end."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="agg", PYTHONPATH=str(REPO))
    log = open(tmp_path / f"{name}.log", "wb")
    process = subprocess.Popen(args, cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)

    def stop():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        try:
            os.killpg(process.pid, signal.SIGKILL)  # leftover kernels of the session
        except ProcessLookupError:
            pass
        log.close()

    request.addfinalizer(stop)
    wait_for_http(url, process)
    return process


def root_flag():
    return ["--allow-root"] if os.geteuid() == 0 else []


@pytest.fixture
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


def size_text(page):
    return page.locator(".widget-html", has_text="H_out").first.inner_text()


def move_stride_slider(page, steps=1):
    """Focus the stride slider's handle and press the right arrow, as a user would."""
    slider = page.locator(".widget-hslider", has_text="stride").first
    handle = slider.locator(".noUi-handle")
    handle.click()
    for _ in range(steps):
        handle.press("ArrowRight")


def check_stride_changes_size_text(page, shot):
    page.wait_for_selector(".widget-html:has-text('H_out')", timeout=120_000)
    page.wait_for_selector("canvas", timeout=60_000)
    before = size_text(page)
    assert before.endswith("= 3") and "/1⌋" in before
    move_stride_slider(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.widget-html')].some(e => e.innerText.includes('⌊2/2⌋ + 1 = 2'))",
        timeout=60_000)
    after = size_text(page)
    assert after != before and after.endswith("= 2")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)


def check_sharp_figure(page, min_dark_pixels=1000):
    """The first explorer's figure is drawn at the screen's device pixel ratio (not upscaled) and not blank.

    The first canvas is the figure itself (ipympl lays a transparent one for
    the zoom rectangle over it).
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    measure = """() => {
        const canvas = document.querySelector('canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let drawn = 0;
        for (let i = 0; i < pixels.length; i += 4) drawn += pixels[i] < 200 && pixels[i + 3] > 0 ? 1 : 0;
        return [window.devicePixelRatio, canvas.width / canvas.getBoundingClientRect().width, drawn];
    }"""
    settled = f"() => {{ const [r, s, d] = ({measure})(); return Math.abs(s - r) < 0.05 && d > {min_dark_pixels}; }}"
    try:  # the front-end tells the kernel its pixel ratio, and the sharper picture comes back a moment later
        page.wait_for_function(settled, timeout=30_000)
    except PlaywrightTimeout:  # the assertions below say what is wrong
        pass
    ratio, scale, drawn = page.evaluate(measure)
    assert ratio == 2 and scale == pytest.approx(2, rel=0.02), (ratio, scale)
    assert drawn > min_dark_pixels, f"the figure looks blank: {drawn} dark pixels"


def test_conv_explorer_in_jupyterlab(request, tmp_path, browser):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell("from cnnlab.widgets import ConvExplorer\nConvExplorer()")]
    nbformat.write(notebook, tmp_path / "explorer.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    start_server(request, [
        str(BIN / "jupyter-lab"), "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None", "--ServerApp.port_retries=0",
        *root_flag()], f"http://127.0.0.1:{port}/api?token={token}", tmp_path, "jupyterlab")
    page = browser.new_page(viewport={"width": 1500, "height": 1000})
    page.goto(f"http://127.0.0.1:{port}/lab/tree/explorer.ipynb?token={token}", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel", timeout=120_000)
    page.wait_for_timeout(1000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    check_stride_changes_size_text(page, "jupyterlab-conv-explorer.png")


def test_lecture_demo_in_voila(request, tmp_path, browser):
    port = free_port()
    start_server(request, [
        str(BIN / "voila"), str(REPO / "demo" / "lecture_demo.ipynb"), "--no-browser", f"--port={port}",
        "--Voila.ip=127.0.0.1"], f"http://127.0.0.1:{port}/", tmp_path, "voila")
    # a lecturer's laptop screen: two device pixels per CSS pixel
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, device_scale_factor=2)
    page.goto(f"http://127.0.0.1:{port}/", timeout=180_000)
    check_stride_changes_size_text(page, "voila-lecture-demo.png")
    check_sharp_figure(page)
    assert "import" not in page.inner_text("body")  # explorers only, no code
    assert page.locator(".jp-CodeCell .jp-InputArea .cm-editor").count() == 0


def test_formgrade_gives_a_written_answer_its_points(request, tmp_path, browser):
    """`make formgrade` on a graded workspace: an instructor grades a written answer; the report counts it."""
    from fixtures.workspace import fresh_checkout, shell, shell_env

    assignment = "03-padding-and-stride"
    workspace = fresh_checkout(tmp_path / "course")
    (tmp_path / "downloads").mkdir()
    shutil.copyfile(REPO / "solutions" / assignment / f"{assignment}.ipynb", tmp_path / "downloads" / "alice.ipynb")
    done = shell(f"make grade ASSIGNMENT={assignment} SUBMISSIONS={tmp_path / 'downloads'}", workspace)
    assert "1 written answer(s) of 1 submission(s) wait for a manual grade" in done.stdout

    port, token = free_port(), secrets.token_hex(16)
    log = open(tmp_path / "formgrade.log", "wb")
    process = subprocess.Popen(["make", "formgrade", f"PORT={port}"], cwd=workspace, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True,
                               env={**shell_env(), "JUPYTER_TOKEN": token})

    def stop():
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()

    request.addfinalizer(stop)
    wait_for_http(f"http://127.0.0.1:{port}/api/status?token={token}", process)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"http://127.0.0.1:{port}/?token={token}")  # the printed address: the formgrader's start page
    page.get_by_role("link", name="Manual Grading").first.click()
    page.get_by_role("link", name=assignment).click()
    page.locator("td a", has_text=assignment).click()
    href = page.locator("a.name-shown", has_text="alice").get_attribute("href")
    page.locator(f"a.name-hidden[href='{href}']").click()
    # the formgrader binds its score boxes once it has fetched the grades: a score typed before is lost
    page.wait_for_function("() => window.formgrader && formgrader.grades && formgrader.grades.loaded"
                           " && formgrader.grade_uis.length > 0", timeout=60_000)
    score = page.locator("input#written-padding-choice")
    score.fill("2")
    score.press("Tab")  # the formgrader saves a score when its box loses focus
    page.wait_for_selector("input#written-padding-choice:not(.needs_manual_grade)", timeout=30_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "formgrade.png"))

    done = shell(f".venv/bin/python -m grader report {assignment}", workspace)
    assert "every written answer has a manual grade" in done.stdout
    grades = (workspace / "grading" / "reports" / assignment / "grades.csv").read_text().splitlines()
    assert grades[1].split(",")[-2:] == ["10.0", "10.0"], grades
