"""The course on a real JupyterHub (issue 17): two Unix students fetch, validate and submit assignment 03
in JupyterLab's Assignments tab, the instructor collects and grades with the grader, each student sees
their own feedback; and no student can read what is not theirs.

The hub is the README's `make hub`, with the test's own two users; the browser is Debian's chromium
driven by playwright. Needs root (it creates the users and the hub spawns their servers as them) and
``configurable-http-proxy`` (``npm install -g configurable-http-proxy``; ``.ci/run`` installs it).
"""

import json
import os
import pwd
import re
import runpy
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest

from fixtures.workspace import REPO, fresh_checkout, shell, shell_env

CHROMIUM = "/usr/bin/chromium"
ASSIGNMENT = "03-padding-and-stride"
BIN = Path(sys.executable).parent
ARTIFACTS = REPO / "test-artifacts"
MISTAKE = next(m for m in runpy.run_path(str(REPO / "tests" / "mistakes" / f"{ASSIGNMENT}.py"))["MISTAKES"]
               if m["answer_cell"] == "ex3-output-size")

pytestmark = [
    pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("hub"),
    pytest.mark.skipif(os.geteuid() != 0, reason="creates Unix users and runs a hub that spawns servers as "
                                                 "them: needs root (CI runs as root)"),
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="needs Debian chromium: apt-get install chromium"),
    pytest.mark.skipif(shutil.which("configurable-http-proxy") is None and not (BIN / "configurable-http-proxy").exists(),
                       reason="needs JupyterHub's proxy: npm install -g configurable-http-proxy (.ci/run does)"),
    pytest.mark.skipif(shutil.which("useradd") is None, reason="needs useradd to create the students"),
]


def free_port_block(count=3):
    """A port whose next ``count - 1`` ports are free too (the hub, its proxy's API, the hub's own)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        try:
            sockets = [socket.create_server(("127.0.0.1", port + i)) for i in range(count)]
        except OSError:
            continue
        for s in sockets:
            s.close()
        return port
    raise RuntimeError("no block of free ports")


class Users:
    """Unix users made for the test (home folders 0700), removed with their processes at the end."""

    def __init__(self, count):
        tag = secrets.token_hex(3)
        self.names = [f"cnnlab-{tag}-{i}" for i in range(count)]
        self.passwords = {name: secrets.token_urlsafe(12) for name in self.names}
        for name in self.names:
            subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
            os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
            subprocess.run(["chpasswd"], input=f"{name}:{self.passwords[name]}\n", text=True, check=True)

    def remove(self):
        for name in self.names:
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            subprocess.run(["userdel", "--remove", name], capture_output=True)

    def run_as(self, name, code):
        """Run Python ``code`` as user ``name``; return the finished process."""
        return subprocess.run(["runuser", "-u", name, "--", sys.executable, "-c", code], capture_output=True,
                              text=True, cwd="/", timeout=120)


def readable_python(user):
    """Let ``user`` start this Python: open the folders above it for traversal (x) only; return what to undo.

    A Python installed under ``/root`` (as on these CI machines) is out of every other user's
    reach; a real hub installs the course environment where students can read it.
    """
    undo = []
    for folder in [*reversed(Path(sys.base_prefix).parents), Path(sys.base_prefix), *reversed(REPO.parents)]:
        mode = folder.stat().st_mode & 0o7777
        if not mode & 0o001:
            os.chmod(folder, mode | 0o001)
            undo.append((folder, mode))
    return undo


def answered_notebook(student_notebook, wrong=None):
    """The student notebook with every answer cell filled in from the solution (``wrong``: one mistake)."""
    solution = nbformat.read(REPO / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in solution.cells
               if c.metadata.get("nbgrader", {}).get("solution")}  # the written answer too
    nb = nbformat.read(student_notebook, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            source = re.sub(r"\s*### (BEGIN|END) SOLUTION\n?", "\n", answers[grade_id]).strip() + "\n"
            cell.source = source
    return nb


def log_in(browser, hub, user, password):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(f"{hub}/hub/login", timeout=120_000)
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url("**/lab**", timeout=180_000)
    return page


def open_assignments_tab(page):
    """Nbgrader, then Assignment List; return the menu's text (a student's: no instructor tools)."""
    page.get_by_text("Nbgrader", exact=True).first.click(timeout=120_000)
    menu = page.locator(".lm-Menu").last.inner_text()
    page.locator(".lm-Menu").get_by_text("Assignment List").first.click()
    page.locator("#assignments_list_info").wait_for(timeout=60_000)
    return menu


def save_through_jupyterlab(page, user, path, nb):
    """Save ``nb`` at ``path`` with the student's JupyterLab (its contents API, as the Save button does)."""
    status = page.evaluate("""async ([url, body]) => {
        const xsrf = document.cookie.split('; ').find(c => c.startsWith('_xsrf='));
        const response = await fetch(url, {method: 'PUT', body, headers: {
            'Content-Type': 'application/json', 'X-XSRFToken': xsrf ? decodeURIComponent(xsrf.slice(6)) : ''}});
        return response.status;
    }""", [f"/user/{user}/api/contents/{path}", json.dumps({"type": "notebook", "format": "json",
                                                                "content": json.loads(nbformat.writes(nb))})])
    assert status in (200, 201), status


def type_wrong_answer(page, user, path):
    """Open the notebook in JupyterLab, replace the answer of exercise 3 by typing the mistake, save."""
    page.goto(page.url.split("/lab")[0] + f"/lab/tree/{path}", timeout=120_000)
    cell = page.locator(".jp-CodeCell", has_text="def output_size(").first
    cell.locator(".cm-content").click(timeout=120_000)
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(MISTAKE["source"])
    page.keyboard.press("Control+s")
    page.wait_for_timeout(1500)


def validate(page):
    """Press Validate for the notebook in the Assignments tab; return the dialog's text."""
    page.locator("#fetched_assignments_list a.assignment-notebooks-link").first.click()
    page.locator("#fetched_assignments_list button", has_text="Validate").first.click(timeout=60_000)
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_role("button").last.wait_for(timeout=300_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog-body')?.innerText.includes('Validating')",
                           timeout=300_000)
    text = dialog.inner_text()
    dialog.get_by_role("button").last.click()
    return text


def readme_hub_line(start):
    """The one line of the README's JupyterHub block that starts with ``start``, comment removed."""
    section = (REPO / "README.md").read_text().split("## Running the course on JupyterHub", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    found = [line.split("  #")[0].strip() for line in block.splitlines() if line.startswith(start)]
    assert len(found) == 1, f"the README's JupyterHub block has {len(found)} lines starting {start!r}"
    return found[0]


def test_every_line_of_the_readme_jupyterhub_block_is_run_here():
    section = (REPO / "README.md").read_text().split("## Running the course on JupyterHub", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    starts = ["make hub", ".venv/bin/python -m grader publish", ".venv/bin/python -m grader collect --exchange",
              "make grade", ".venv/bin/python -m grader feedback"]  # each run by the test below
    lines = [line for line in block.splitlines() if line.strip()]
    assert sorted(next(s for s in starts if line.startswith(s)) for line in lines) == sorted(starts), lines


@pytest.fixture
def hub(tmp_path):
    """The README's `make hub` in a fresh checkout, with two fresh students and a private exchange.

    The checkout lies in a folder every user can traverse, as a course installed for a hub does;
    users, processes, folders and changed modes are cleaned up however the test ends.
    """
    users = Users(2)
    undo = readable_python(users.names[0])
    place = Path(tempfile.mkdtemp(prefix="cnnlab-hub-"))
    os.chmod(place, 0o755)
    checkout = fresh_checkout(place / "course")
    exchange = place / "exchange"
    port = free_port_block()
    env = {"CNNLAB_HUB_USERS": ",".join(users.names), "CNNLAB_EXCHANGE": str(exchange),
           "CNNLAB_HUB_STATE": str(tmp_path / "hub-state")}
    log = open(tmp_path / "hub.log", "wb")
    process = subprocess.Popen(["bash", "-c", f"{readme_hub_line('make hub')} PORT={port}"], cwd=checkout,
                               env={**shell_env(), **env}, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (tmp_path / "hub.log").read_text()
            try:
                urllib.request.urlopen(f"{url}/hub/login", timeout=5)
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "hub.log").read_text()
                time.sleep(0.5)
        yield {"url": url, "users": users, "exchange": exchange, "checkout": checkout, "env": env,
               "log": tmp_path / "hub.log"}
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        log.close()
        users.remove()
        for folder, mode in undo:
            os.chmod(folder, mode)
        shutil.rmtree(place, ignore_errors=True)


def instructor(start, hub):
    """Run the README's JupyterHub line that starts with ``start``, as written, in the hub's checkout."""
    return shell(readme_hub_line(start), hub["checkout"], env=hub["env"], timeout=900)


def test_two_students_fetch_validate_submit_and_see_their_own_feedback(hub, browser):
    right, wrong = hub["users"].names
    checkout, exchange = hub["checkout"], hub["exchange"]
    course = checkout / "grading"
    port = int(hub["url"].rsplit(":", 1)[1])
    listening = {c.laddr.ip for c in psutil.net_connections("tcp") if c.status == "LISTEN" and c.laddr.port == port}
    assert listening == {"127.0.0.1"}, listening  # the hub listens on this machine only
    published = instructor(".venv/bin/python -m grader publish", hub)
    assert f"published {ASSIGNMENT} -> {exchange}/cnnlab/outbound/{ASSIGNMENT}" in published.stdout
    path = f"{ASSIGNMENT}/{ASSIGNMENT}.ipynb"
    pages, messages = {}, {}
    for student in (right, wrong):
        page = pages[student] = log_in(browser, hub["url"], student, hub["users"].passwords[student])
        menu = open_assignments_tab(page)
        assert "Assignment List" in menu and "Formgrader" not in menu and "Course List" not in menu, menu
        assert page.get_by_text("Create Assignment").count() == 0
        page.locator("#released_assignments_list .list_item", has_text=ASSIGNMENT).locator("button",
                                                                                           has_text="Fetch").click()
        page.locator("#fetched_assignments_list").get_by_text(ASSIGNMENT).first.wait_for(timeout=60_000)
        fetched = Path(pwd.getpwnam(student).pw_dir) / path
        assert fetched.exists() and fetched.stat().st_uid == pwd.getpwnam(student).pw_uid
        save_through_jupyterlab(page, student, path, answered_notebook(fetched))
        if student == wrong:
            type_wrong_answer(page, student, path)
            assert "never raises" in fetched.read_text()
            open_assignments_tab(page)
        messages[student] = validate(page)
        page.screenshot(path=str(ARTIFACTS / f"hub-validated-{'right' if student == right else 'wrong'}.png"))
        page.locator("#fetched_assignments_list button", has_text="Submit").first.click()
        page.locator("#submitted_assignments_list").get_by_text(ASSIGNMENT).first.wait_for(timeout=60_000)
    assert "Success! Your notebook passes all the tests." in messages[right], messages[right]
    assert re.search(MISTAKE["message"], " ".join(messages[wrong].split())), messages[wrong]

    # security: each student reaches only what is theirs
    users = hub["users"]
    inbound = exchange / "cnnlab" / "inbound"
    theirs = next(p for p in inbound.iterdir() if p.name.startswith(f"{wrong}+"))
    attempt = users.run_as(right, f"""
import glob, os
for action, target in [("list", {str(inbound)!r}), ("list", {str(Path(pwd.getpwnam(wrong).pw_dir))!r}),
                       ("read", {str(Path(pwd.getpwnam(wrong).pw_dir) / path)!r}),
                       ("list", {str(checkout / 'solutions')!r}),
                       ("read", {str(checkout / 'solutions' / ASSIGNMENT / (ASSIGNMENT + '.ipynb'))!r}),
                       ("list", {str(course)!r})]:
    try:
        os.listdir(target) if action == "list" else open(target).read()
        print("READABLE", target)
    except OSError as err:
        print("blocked", target, type(err).__name__)
print("found", glob.glob({str(inbound)!r} + "/{wrong}+*"))
""")
    assert "READABLE" not in attempt.stdout and attempt.stdout.count("blocked") == 6, attempt.stdout + attempt.stderr
    assert "found []" in attempt.stdout, attempt.stdout
    assert theirs.exists()

    # the instructor collects and grades, then releases the feedback
    collected = instructor(".venv/bin/python -m grader collect --exchange", hub)
    assert "2 placed" in collected.stdout, collected.stdout
    assert (course / "submitted" / wrong / ASSIGNMENT / "timestamp.txt").exists()
    instructor("make grade", hub)
    scores = {s: json.loads((course / "grader-runs" / ASSIGNMENT / f"{s}.json").read_text()) for s in (right, wrong)}
    autograded = sum(c["max_score"] for c in scores[right]["cells"].values() if not c["manual"])
    assert scores[right]["score"] == autograded
    lost = scores[wrong]["cells"][MISTAKE["fails"]]["max_score"]
    assert scores[wrong]["score"] == autograded - lost
    released = instructor(".venv/bin/python -m grader feedback", hub)
    assert "feedback released" in released.stdout

    # each student fetches their own feedback in the Assignments tab and sees their score
    for student in (right, wrong):
        page = pages[student]
        open_assignments_tab(page)
        page.locator("#submitted_assignments_list button", has_text="Fetch Feedback").first.click(timeout=60_000)
        link = page.locator("#submitted_assignments_list a", has_text="view feedback").first
        link.wait_for(timeout=60_000)
        link.click()  # the file browser goes to the feedback folder; the student opens the page there
        page.locator(".jp-DirListing-item", has_text=f"{ASSIGNMENT}.html").first.dblclick(timeout=60_000)
        body = page.frame_locator(".jp-HTMLViewer iframe").first.locator("body")
        # the viewer's iframe starts empty and gets the page once JupyterLab has read the file
        body.get_by_text("Score:").first.wait_for(timeout=60_000)
        text = " ".join(body.inner_text().split())
        page.screenshot(path=str(ARTIFACTS / f"hub-feedback-{'right' if student == right else 'wrong'}.png"))
        expected = scores[student]["score"]
        assert re.search(rf"Score: {expected:g}(\.0)? / {scores[student]['max_score']:g}", text), text[:500]
        assert "BEGIN HIDDEN TESTS" not in text
        other = wrong if student == right else right
        assert other not in text
