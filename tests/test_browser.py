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
import urllib.error
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


def start_server(request, args, url, tmp_path, name, cwd=None):
    """Start a Jupyter server process in its own session and stop it (and its kernels) at the end."""
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_PLATFORM_DIRS="1", MPLBACKEND="agg", PYTHONPATH=str(REPO))
    log = open(tmp_path / f"{name}.log", "wb")
    process = subprocess.Popen(args, cwd=cwd or tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT,
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


#: Everything of every shown explorer that a person could miss: a label, readout, button, dropdown option or
#: figure outside its explorer or cut short, an explorer wider than the page, a box that scrolls sideways.
LAYOUT_PROBLEMS = """() => {
  const out = [];
  const inside = (r, R) => r.left >= R.left - 1 && r.right <= R.right + 1 && r.top >= R.top - 1 && r.bottom <= R.bottom + 1;
  const A = (document.querySelector('.jp-WindowedPanel-outer') || document.querySelector('.jp-Notebook') || document.body).getBoundingClientRect();
  document.querySelectorAll('.cnnlab-explorer').forEach((root, i) => {
    const R = root.getBoundingClientRect();
    if (R.width === 0) return;  // a hidden tab
    const name = root.querySelector('.cnnlab-title')?.innerText || ('explorer ' + i);
    if (R.left < A.left - 1 || R.right > A.right + 1) out.push(`${name}: the explorer (${Math.round(R.left)}..${Math.round(R.right)}) sticks out of the page (${Math.round(A.left)}..${Math.round(A.right)})`);
    root.querySelectorAll('.widget-label, .widget-readout, button, select, textarea, .widget-html-content, canvas, .widget-checkbox label, input').forEach(el => {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || getComputedStyle(el).visibility === 'hidden') return;
      const text = (el.innerText || el.value || el.tagName).slice(0, 30);
      if (!inside(r, R)) out.push(`${name}: "${text}" (${Math.round(r.left)}..${Math.round(r.right)}) outside its explorer (${Math.round(R.left)}..${Math.round(R.right)})`);
      if (el.tagName !== 'CANVAS' && el.tagName !== 'SELECT' && el.tagName !== 'TEXTAREA' && el.scrollWidth > el.clientWidth + 1)
        out.push(`${name}: "${text}" is cut (${el.scrollWidth} px of text in ${el.clientWidth} px)`);
    });
    root.querySelectorAll('select').forEach(el => {
      const ctx = document.createElement('canvas').getContext('2d'); ctx.font = getComputedStyle(el).font;
      const widest = Math.max(...[...el.options].map(o => ctx.measureText(o.text).width));
      if (el.clientWidth > 0 && widest + 24 > el.clientWidth) out.push(`${name}: dropdown option "${[...el.options].find(o => ctx.measureText(o.text).width === widest).text}" is cut (${Math.round(widest)} px in ${el.clientWidth} px)`);
    });
    [root, ...root.querySelectorAll('.widget-box, .widget-hbox, .widget-vbox')].forEach(el => {
      if (el.scrollWidth > el.clientWidth + 1) out.push(`${name}: a box scrolls sideways (${el.scrollWidth} in ${el.clientWidth})`);
    });
  });
  return out;
}"""

#: The font size (CSS px) of every element of a shown explorer or of the demo's tab bar that holds text itself.
TEXT_SIZES = """() => { const out = [];
  for (const root of document.querySelectorAll('.cnnlab-explorer, .cnnlab-tabs > .lm-TabBar')) {
    if (root.getBoundingClientRect().width === 0) continue;
    for (const el of [root, ...root.querySelectorAll('*')]) {
      if (el.tagName === 'STYLE' || el.getBoundingClientRect().width === 0) continue;
      if ([...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        out.push([parseFloat(getComputedStyle(el).fontSize), el.textContent.trim().slice(0, 30)]);
    } }
  return out; }"""

#: Per shown explorer: its title, its figure's width on screen and its natural width (CSS px), and its own width.
FIGURE_WIDTHS = """() => [...document.querySelectorAll('.cnnlab-explorer')].filter(e => e.getBoundingClientRect().width > 0)
  .map(e => { const figure = e.querySelector('.jupyter-matplotlib-canvas-div');
              return [e.querySelector('.cnnlab-title').innerText, figure.getBoundingClientRect().width,
                      parseFloat(getComputedStyle(figure).maxWidth), e.getBoundingClientRect().width]; })"""

ALL_EXPLORERS = ("ConvExplorer", "PaddingExplorer", "FilterExplorer", "PoolingExplorer", "ReceptiveFieldExplorer",
                 "FeatureMapExplorer")


def explorers_notebook(folder, cells=ALL_EXPLORERS):
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(f"from cnnlab.widgets import {name}\n{name}()") for name in cells]
    nbformat.write(notebook, folder / "explorers.ipynb")
    return "explorers.ipynb"


def start_jupyterlab(request, tmp_path):
    """JupyterLab on ``tmp_path``; returns its ``(port, token)`` for :func:`open_notebook`."""
    port, token = free_port(), secrets.token_hex(16)
    start_server(request, [
        str(BIN / "jupyter-lab"), "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
        f"--LabApp.user_settings_dir={tmp_path / 'settings'}", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}",
        "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=None", "--ServerApp.port_retries=0",
        *root_flag()], f"http://127.0.0.1:{port}/api?token={token}", tmp_path, "jupyterlab")
    return port, token


def open_notebook(browser, port, token, name, width=1500, height=1000, zoom=1):
    """A new page (``width x height`` screen pixels at ``zoom``) with notebook ``name``, once its kernel is up."""
    page = browser.new_page(viewport={"width": round(width / zoom), "height": round(height / zoom)},
                            device_scale_factor=zoom)
    page.goto(f"http://127.0.0.1:{port}/lab/tree/{name}?token={token}", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           " && window.jupyterapp.shell.currentWidget.sessionContext"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                           " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel", timeout=120_000)
    page.wait_for_timeout(1000)
    return page


def run_all_and_wait_for_explorers(page, count):
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(f"() => document.querySelectorAll('.cnnlab-explorer .jupyter-matplotlib-canvas-div').length"
                           f" >= {count}", timeout=180_000)
    page.wait_for_timeout(2000)  # the figures' first pictures, and the layout settling


def test_conv_explorer_in_jupyterlab(request, tmp_path, browser):
    name = explorers_notebook(tmp_path, ["ConvExplorer"])
    page = open_notebook(browser, *start_jupyterlab(request, tmp_path), name)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    check_stride_changes_size_text(page, "jupyterlab-conv-explorer.png")


def test_run_all_of_a_fresh_student_notebook_reaches_the_explorer(request, tmp_path, browser):
    """Run All in JupyterLab on the untouched release of 02: the exercises fail their checks, every cell runs."""
    assignment = "02-convolution-and-correlation"
    shutil.copytree(REPO / "notebooks" / assignment, tmp_path, dirs_exist_ok=True)
    page = open_notebook(browser, *start_jupyterlab(request, tmp_path), f"{assignment}.ipynb")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    cells = "window.jupyterapp.shell.currentWidget.content.widgets.filter(c => c.model.type === 'code')"
    page.wait_for_function(f"() => {cells}.every(c => c.model.executionCount !== null)", timeout=240_000)
    failed = page.evaluate(f"""() => {cells}.filter(c => c.model.outputs.toJSON().some(o => o.output_type === 'error'))
                                   .map(c => [c.model.getMetadata('nbgrader').grade_id,
                                              c.model.outputs.toJSON().find(o => o.output_type === 'error').ename])""")
    assert failed == [[f"test-ex{n}-{name}", "ErrorInYourCode"] for n, name in
                      ((1, "corr2d"), (2, "conv2d-single"), (3, "conv2d-full"))], failed
    check_stride_changes_size_text(page, "jupyterlab-run-all-02.png")  # the explorer after the exercises works


def start_demo(request, tmp_path, *settings):
    """``make demo PORT=... [SETTING...]`` as the README gives it; returns its address."""
    port = free_port()
    start_server(request, ["make", "demo", f"PORT={port}", *settings], f"http://127.0.0.1:{port}/", tmp_path,
                 "voila", cwd=REPO)
    return f"http://127.0.0.1:{port}/"


def test_lecture_demo_in_voila(request, tmp_path, browser):
    address = start_demo(request, tmp_path)
    # a lecturer's laptop screen: two device pixels per CSS pixel
    page = browser.new_page(viewport={"width": 1500, "height": 1000}, device_scale_factor=2)
    page.goto(address, timeout=180_000)
    check_stride_changes_size_text(page, "voila-lecture-demo.png")
    check_sharp_figure(page)
    assert "import" not in page.inner_text("body")  # explorers only, no code
    assert page.locator(".jp-CodeCell .jp-InputArea .cm-editor").count() == 0


#: A student's screens, as (width, zoom): 1024 to 1920 px wide, at 100% and at 200% zoom.
SCREENS = [(1024, 1), (1400, 1), (1920, 1), (1400, 2), (1920, 2)]


def test_explorers_fit_in_jupyterlab_with_the_file_browser_open(request, tmp_path, browser):
    """On every screen of SCREENS, with the file browser open: every explorer is whole, nothing scrolls sideways."""
    name = explorers_notebook(tmp_path)
    port, token = start_jupyterlab(request, tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    problems = []
    for width, zoom in SCREENS:
        page = open_notebook(browser, port, token, name, width, 900, zoom)  # a new page: JupyterLab lays out anew
        assert page.locator(".jp-FileBrowser").first.is_visible(), "the file browser should be open, as a student has it"
        run_all_and_wait_for_explorers(page, len(ALL_EXPLORERS))
        for index in range(len(ALL_EXPLORERS)):  # each explorer in view, as a student scrolls to it
            page.locator(".cnnlab-explorer").nth(index).scroll_into_view_if_needed()
            page.wait_for_timeout(300)
        problems += [f"{width} px at {zoom * 100}%: {problem}" for problem in page.evaluate(LAYOUT_PROBLEMS)]
        shown = page.evaluate(FIGURE_WIDTHS)
        assert len(shown) == len(ALL_EXPLORERS), shown
        problems += [f"{width} px at {zoom * 100}%: {title}'s figure shrank to {figure:.0f} of {natural:.0f} px"
                     for title, figure, natural, _ in shown if figure < 0.3 * natural]
        page.screenshot(path=str(ARTIFACTS / f"jupyterlab-explorers-{width}-zoom{zoom}.png"))
        page.close()
    assert not problems, "\n".join(problems)


def test_lecture_demo_reads_from_the_back_of_the_room(request, tmp_path, browser):
    """`make demo` on a 1280x720 projector: widget text >= 20 px, figure text >= 18 px, the width used, nothing cut."""
    from cnnlab.widgets import LECTURE_SCALE
    from cnnlab.widgets._layout import SMALLEST_FIGURE_FONT

    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(start_demo(request, tmp_path), timeout=180_000)
    page.wait_for_selector(".cnnlab-explorer .jupyter-matplotlib-canvas-div", timeout=180_000)
    tabs = page.locator(".cnnlab-tabs .lm-TabBar-tab")
    assert tabs.count() == len(ALL_EXPLORERS)
    for index in range(tabs.count()):
        tabs.nth(index).click()
        page.wait_for_timeout(800)
        (title, figure, natural, explorer), = page.evaluate(FIGURE_WIDTHS)
        smallest = min(page.evaluate(TEXT_SIZES))
        assert smallest[0] >= 20, f"{title}: widget text {smallest} is smaller than 20 px"
        figure_text = SMALLEST_FIGURE_FONT * LECTURE_SCALE * figure / natural
        assert figure_text >= 18, f"{title}: figure text is {figure_text:.1f} px (figure {figure} of {natural} px)"
        assert explorer >= 0.9 * 1280, f"{title}: the explorer uses {explorer} of 1280 px"
        problems = page.evaluate(LAYOUT_PROBLEMS)
        assert not problems, "\n".join(problems)
        page.screenshot(path=str(ARTIFACTS / f"voila-1280x720-{index}.png"))


def test_lecture_demo_at_scale_1_is_the_notebook_size(request, tmp_path, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(start_demo(request, tmp_path, "SCALE=1"), timeout=180_000)
    page.wait_for_selector(".cnnlab-explorer .jupyter-matplotlib-canvas-div", timeout=180_000)
    page.wait_for_timeout(1000)
    assert {size for size, _ in page.evaluate(TEXT_SIZES)} == {13}
    assert not page.evaluate(LAYOUT_PROBLEMS)


def test_explorer_keys_stay_in_the_explorer_and_every_control_works_from_the_keyboard(request, tmp_path, browser):
    """Tab, arrows, Space and Enter drive a ConvExplorer in JupyterLab; no key reaches the notebook's shortcuts."""
    name = explorers_notebook(tmp_path, ["ConvExplorer", "PoolingExplorer"])
    port, token = start_jupyterlab(request, tmp_path)
    page = open_notebook(browser, port, token, name)
    run_all_and_wait_for_explorers(page, 2)
    notebook = "window.jupyterapp.shell.currentWidget.content"
    cells_before = page.evaluate(f"() => {notebook}.widgets.length")
    explorer = page.locator(".cnnlab-explorer").first
    padding_type = explorer.locator(".widget-dropdown", has_text="padding type").locator("select")
    padding_type.focus()
    active = page.evaluate(f"() => {notebook}.activeCellIndex")
    for key in ("ArrowDown", "b", "a", "d", "d", "m", "ArrowDown", "ArrowUp"):  # arrows pick; letters are notebook commands
        page.keyboard.press(key)
    assert padding_type.input_value() == "reflect"
    assert page.evaluate(f"() => [{notebook}.widgets.length, {notebook}.activeCellIndex]") == [cells_before, active]
    assert page.evaluate(f"() => {notebook}.widgets.every(c => c.model.type === 'code')"), "a cell changed type"
    # Tab walks through the controls in order
    explorer.locator("select").first.focus()
    seen = []
    for _ in range(25):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("() => { const e = document.activeElement; return (e.closest('.widget-inline-hbox,"
                                  " .widget-toggle-buttons, .jupyter-button, .widget-dropdown') || e).innerText"
                                  ".trim().split('\\n')[0] || e.getAttribute('aria-valuetext') || e.tagName; }"))
    for label in ("kernel", "weights", "same", "padding type", "stride", "dilation", "step", "output cell"):
        assert any(label in text for text in seen), f"Tab never reaches {label!r}: {seen}"
    # Space on a toggle button, arrows on a slider, Enter on a button
    explorer.locator(".widget-toggle-button", has_text="same").focus()
    page.keyboard.press("Space")
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some("
                           "e => e.innerText.includes('⌊(5 + 1 + 1'))", timeout=30_000)
    move_stride_slider(page)  # focuses the handle by a click, then ArrowRight
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some("
                           "e => e.innerText.includes('⌊4/2⌋ + 1 = 3'))", timeout=30_000)
    explorer.locator(".jupyter-button", has_text="step").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => [...document.querySelectorAll('.widget-html')].some("
                           "e => e.innerText.startsWith('out[0, 1]'))", timeout=30_000)
    explorer.locator(".jupyter-button", has_text="numbers as text").focus()
    page.keyboard.press("Enter")
    table = explorer.locator("table.cnnlab-table", has_text="output so far")
    table.wait_for(timeout=30_000)
    assert table.locator("tr").count() == 3


def test_make_lab_gives_students_the_assignment_list_and_validate_but_no_instructor_tools(request, tmp_path, browser):
    """`make lab` as the README gives it, in a fresh checkout: nbgrader's student tools are there, the rest is not."""
    from fixtures.workspace import fresh_checkout

    checkout = fresh_checkout(tmp_path / "course")  # JupyterLab writes checkpoints next to what it opens
    port, token = free_port(), secrets.token_hex(16)
    start_server(request, ["make", "lab", f"LAB_ARGS=--no-browser --ServerApp.port={port} --ServerApp.ip=127.0.0.1 "
                           f"--IdentityProvider.token={token} --LabApp.news_url=None --ServerApp.port_retries=0 "
                           f"--LabApp.workspaces_dir={tmp_path / 'workspaces'} --LabApp.expose_app_in_browser=True"],
                 f"http://127.0.0.1:{port}/api?token={token}", tmp_path, "lab", cwd=checkout)
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"http://127.0.0.1:{port}/lab/tree/02-convolution-and-correlation/"
              f"02-convolution-and-correlation.ipynb?token={token}", timeout=120_000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget", timeout=120_000)
    plugins = page.evaluate("() => Object.fromEntries(['assignment-list', 'validate-assignment', 'formgrader',"
                            " 'create-assignment', 'course-list'].map(p => [p, window.jupyterapp.hasPlugin("
                            "'@jupyter/nbgrader:' + p) && window.jupyterapp.isPluginActivated('@jupyter/nbgrader:' + p)]))")
    assert plugins == {"assignment-list": True, "validate-assignment": True, "formgrader": False,
                       "create-assignment": False, "course-list": False}, plugins
    page.get_by_role("button", name="Validate").first.wait_for(timeout=60_000)
    assert page.get_by_text("Create Assignment").count() == 0
    page.get_by_text("Nbgrader", exact=True).first.click()
    menu = page.locator(".lm-Menu").last.inner_text()
    assert "Assignment List" in menu and "Formgrader" not in menu and "Course List" not in menu, menu
    def status(path):
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/{path}?token={token}", timeout=30).status
        except urllib.error.HTTPError as err:
            return err.code

    # the server halves too: the formgrader and the instructors' course list are gone, the student's list is there
    assert [status("formgrader"), status("formgraders")] == [404, 404]
    assert status("assignments") != 404 and status("courses") == 200


def test_formgrade_gives_a_written_answer_its_points(request, tmp_path, browser):
    """`make formgrade` on a graded workspace: an instructor grades a written answer; the report counts it."""
    from fixtures.workspace import fresh_checkout, shell, shell_env

    assignment = "03-padding-and-stride"
    workspace = fresh_checkout(tmp_path / "course")
    (tmp_path / "downloads").mkdir()
    shutil.copyfile(REPO / "solutions" / assignment / f"{assignment}.ipynb", tmp_path / "downloads" / "alice.ipynb")
    done = shell(f"make grade ASSIGNMENT={assignment} SUBMISSIONS={tmp_path / 'downloads'}", workspace)
    assert "1 written answer(s) of 1 submission(s) wait for a manual grade" in done.stdout

    # the feedback shows its formulas offline: MathML that the browser lays out, no script from a CDN
    feedback = browser.new_page(viewport={"width": 1200, "height": 900})
    feedback.route("**/*", lambda route: route.abort() if route.request.url.startswith("http") else route.continue_())
    feedback.goto((workspace / "grading" / "feedback" / "alice" / assignment / f"{assignment}.html").as_uri())
    sizes = feedback.evaluate("() => [...document.querySelectorAll('math')].map(m => m.getBoundingClientRect())"
                              ".map(r => [r.width, r.height])")
    assert len(sizes) > 10 and all(width > 5 and height > 5 for width, height in sizes), sizes
    assert "$" not in feedback.locator(".text_cell_render").first.inner_text()
    feedback.close()

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
