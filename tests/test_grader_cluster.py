"""`grader autograde --cluster`: a real Dask scheduler and two real workers on 127.0.0.1 (issue 16).

The scheduler and the workers are started with the README's own lines ("Grading a big course"),
placeholders replaced, each worker in a temporary directory of its own. The course has two
assignments: the fixture, and a copy of it whose notebook asks for a GPU, so that the worker
started with ``--resources GPU=1`` must grade all of that one.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from fixtures.grading import ASSIGNMENT, CORRECT, FLIPPED, ROOT, write_raw
from fixtures.hostile import CASES, edit_notebook, fill
from fixtures.workspace import REPO, fresh_checkout, shell
from grader.api import fill_answers, release
from grader.config import nbgrader_env

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("grader_cluster")]
GPU_ASSIGNMENT = "gpu-fixture"
LIMITS = ["--timeout", "5", "--wall", "90"]
# six per assignment: right, wrong, broken, and hostile ones (a loop, an exiting kernel, tampering)
SUBMISSIONS = {
    ASSIGNMENT: ["good", "flipped", "infinite_loop", "os_exit", "calls_library", "malformed"],
    GPU_ASSIGNMENT: ["good", "monkeypatches_checks", "edits_test_cell", "reads_solutions", "huge_output", "empty"],
}


def readme_cluster_lines():
    """The command lines of the README's "Grading a big course" shell block, comments removed."""
    section = (REPO / "README.md").read_text().split("### Grading a big course", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


def readme_line(start, **placeholders):
    found = [line for line in readme_cluster_lines() if line.startswith(start)]
    assert found, f"no line of the README's cluster block starts with {start!r}"
    line = found[0]
    for name, value in placeholders.items():
        line = line.replace(name, value)
    return line


def test_every_line_of_the_readme_cluster_block_is_run_here():
    starts = [".venv/bin/dask scheduler", ".venv/bin/dask worker tcp://COORDINATOR:8786 --nthreads 1 --nworkers",
              ".venv/bin/dask worker tcp://COORDINATOR:8786 --nthreads 1 --resources",
              ".venv/bin/python -m grader autograde", "make grade"]  # each run by a test below
    lines = readme_cluster_lines()
    assert sorted(next(s for s in starts if line.startswith(s)) for line in lines) == sorted(starts), lines


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def grader_cli(*args, course, repo_root, timeout=600):
    command = [sys.executable, "-m", "grader", *args, "--course-dir", str(course), "--repo-root", str(repo_root)]
    return subprocess.run(command, cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=timeout)


def stored(course, assignment):
    """``student -> stored result`` without its timing."""
    results = {}
    for path in sorted((course / "grader-runs" / assignment).glob("*.json")):
        result = json.loads(path.read_text())
        result.pop("seconds")
        results[path.stem] = result
    return results


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Course files with the two assignments, and a released workspace holding the 12 submissions."""
    base = tmp_path_factory.mktemp("cluster")
    files = base / "course-files"
    shutil.copytree(ROOT / "solutions", files / "solutions")
    nb = nbformat.read(files / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    nb.metadata["cnnlab"] = {"wants_gpu": True}
    (files / "solutions" / GPU_ASSIGNMENT).mkdir()
    nbformat.write(nb, files / "solutions" / GPU_ASSIGNMENT / f"{GPU_ASSIGNMENT}.ipynb")
    template = base / "template"
    for assignment, students in SUBMISSIONS.items():
        notebook = release(assignment, files, template, release_root=base / "release") / f"{assignment}.ipynb"
        for student in students:
            target = template / "submitted" / student / assignment / f"{assignment}.ipynb"
            if student in CASES:
                case = CASES[student]
                paths = {"COURSE_DIR": template, "SOURCE_DIR": files / "solutions" / assignment, "REPO_DIR": REPO,
                         "NET_PORT": 9}
                fill_answers(notebook, {gid: fill(code, **paths) for gid, code in case.answers.items()}, target)
                if case.edit:
                    nbformat.write(edit_notebook(nbformat.read(target, as_version=4), case.edit), target)
            else:
                target.parent.mkdir(parents=True)
                target.write_text('{"cells": [' if student == "malformed" else "")
    return files, template


def workspace(course, path):
    """A copy of the released workspace at ``path``."""
    _, template = course
    shutil.copytree(template, path)
    config = path / "nbgrader_config.py"
    config.write_text(config.read_text().replace(str(template), str(path)))
    return path


class Cluster:
    """A scheduler and two workers (the second with a GPU resource), started with the README's lines."""

    def __init__(self, base, worker_env=({}, {})):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.dirs = [base / "worker-cpu", base / "worker-gpu"]
        places = {"COORDINATOR": "127.0.0.1", "8786": str(self.port), ":8787": f"127.0.0.1:{free_port()}"}
        lines = [readme_line(".venv/bin/dask scheduler", **places),
                 readme_line(".venv/bin/dask worker", **places).replace("--nworkers 4", "--nworkers 1"),
                 readme_line(".venv/bin/dask worker tcp://COORDINATOR:8786 --nthreads 1 --resources", **places)]
        self.processes = []
        for line, cwd, more in zip(lines, [base / "scheduler", *self.dirs], [{}, *worker_env]):
            cwd.mkdir(parents=True)
            env = {**nbgrader_env(), "DASK_TEMPORARY_DIRECTORY": str(cwd), **more}
            command = line.replace(".venv/bin/", str(Path(sys.executable).parent) + "/").split()
            self.processes.append(subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                                   stderr=open(cwd / "log.txt", "w"), start_new_session=True))
        from distributed import Client

        with Client(self.address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
            self.workers = {info["resources"].get("GPU", 0): address
                            for address, info in client.scheduler_info(n_workers=-1)["workers"].items()}

    def kill_worker(self, index):
        os.killpg(self.processes[1 + index].pid, signal.SIGKILL)
        self.processes[1 + index].wait()

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@pytest.fixture(scope="module")
def local_results(course, tmp_path_factory):
    """What ``--jobs 1`` on this machine stores for the 12 submissions."""
    files, _ = course
    local = workspace(course, tmp_path_factory.mktemp("local") / "course")
    for assignment in SUBMISSIONS:
        done = grader_cli("autograde", assignment, "--jobs", "1", *LIMITS, course=local, repo_root=files)
        assert done.returncode == 0, done.stdout + done.stderr
    return {assignment: stored(local, assignment) for assignment in SUBMISSIONS}


def test_a_cluster_grades_everything_once_like_one_machine_and_survives_a_dead_worker(course, local_results,
                                                                                         tmp_path):
    files, _ = course
    coordinator = workspace(course, tmp_path / "course")
    before = {"course files": tree_digest(files), "repository": tree_digest(REPO / "solutions") +
              tree_digest(REPO / "notebooks")}
    cluster = Cluster(tmp_path)
    try:
        gpu_worker = cluster.workers[1]
        autograde = readme_line(".venv/bin/python -m grader autograde", COORDINATOR="127.0.0.1").split()[3:]
        autograde = [word.replace("8786", str(cluster.port)) for word in autograde]
        # the GPU assignment, both workers alive; the coordinator is stopped (SIGTERM) after its first
        # result, and the same command again grades the rest
        command = [sys.executable, "-m", "grader",
                   *[GPU_ASSIGNMENT if w == "03-padding-and-stride" else w for w in autograde], *LIMITS,
                   "--course-dir", str(coordinator), "--repo-root", str(files)]
        logs = coordinator / "grader-runs" / GPU_ASSIGNMENT
        process = subprocess.Popen(command, cwd=REPO, env=nbgrader_env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not [p for p in logs.glob("*.sha256") if p.stem != "empty"]:
            time.sleep(0.05)
        process.terminate()
        out, err = process.communicate(timeout=120)
        assert process.returncode == 130 and "interrupted: finished work is kept" in err, out + err
        kept = {p.stem: p.stat().st_mtime_ns for p in logs.glob("*.json")}
        assert 2 <= len(kept) < 6, kept  # "empty" (never sent) and at least one from the cluster
        done = subprocess.run(command, cwd=REPO, env=nbgrader_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{len(kept)} of 6 submissions already graded (kept); grading {6 - len(kept)}" in done.stderr
        assert {p: (logs / f"{p}.json").stat().st_mtime_ns for p in kept} == kept
        assert "dashboard: http://127.0.0.1:" in done.stderr and "2 workers" in done.stderr, done.stderr
        # on a line of its own above the progress bar, not glued to it
        assert any(line.startswith("cluster: scheduler") for line in re.split(r"[\r\n]", done.stderr)), done.stderr
        # the GPU worker graded all of it
        graded_by = {p.stem: p.read_text().splitlines()[0] for p in logs.glob("*.log")}
        assert graded_by and all(line == f"graded on Dask worker {gpu_worker}" for line in graded_by.values()), \
            graded_by
        # the other assignment: the CPU worker is killed while it grades, after the first result
        command = [sys.executable, "-m", "grader",
                   *[ASSIGNMENT if w == "03-padding-and-stride" else w for w in autograde], *LIMITS,
                   "--course-dir", str(coordinator), "--repo-root", str(files)]
        process = subprocess.Popen(command, cwd=REPO, env=nbgrader_env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        runs, deadline = coordinator / "grader-runs" / ASSIGNMENT, time.monotonic() + 300
        while time.monotonic() < deadline and not (
                [p for p in runs.glob("*.sha256") if p.stem != "malformed"]
                and list(cluster.dirs[0].rglob("grader-task-*"))):
            time.sleep(0.05)
        cluster.kill_worker(0)
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, out + err
        assert list(cluster.dirs[0].rglob("grader-task-*")), "the killed worker was not grading when killed"
        # all 12 graded, each as one machine grades it
        for assignment in SUBMISSIONS:
            assert stored(coordinator, assignment) == local_results[assignment], assignment
            assert sorted(stored(coordinator, assignment)) == sorted(SUBMISSIONS[assignment])
        took_over = [p.stem for p in runs.glob("*.log") if gpu_worker in p.read_text().splitlines()[0]]
        assert took_over, "the surviving worker graded nothing"
        # nothing outside the coordinator's workspace changed; the surviving worker left nothing behind
        assert {"course files": tree_digest(files), "repository": tree_digest(REPO / "solutions") +
                tree_digest(REPO / "notebooks")} == before
        assert not list(cluster.dirs[1].rglob("grader-task-*"))
        assert not (cluster.dirs[1] / "autograded").exists() and not (cluster.dirs[1] / "submitted").exists()
        # a second run grades nothing
        mtimes = {p: p.stat().st_mtime_ns for p in (coordinator / "grader-runs").rglob("*.json")}
        for assignment in SUBMISSIONS:
            again = grader_cli(*[assignment if w == "03-padding-and-stride" else w for w in autograde],
                               course=coordinator, repo_root=files)
            assert again.returncode == 0, again.stdout + again.stderr
            assert "6 of 6 submissions already graded (kept); grading 0" in again.stderr, again.stderr
        assert {p: p.stat().st_mtime_ns for p in (coordinator / "grader-runs").rglob("*.json")} == mtimes
    finally:
        cluster.stop()


def test_an_unreachable_scheduler_is_a_clear_error_within_seconds(course, tmp_path):
    files, _ = course
    coordinator = workspace(course, tmp_path / "course")
    address = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there
    start = time.monotonic()
    done = grader_cli("autograde", ASSIGNMENT, "--cluster", address, course=coordinator, repo_root=files)
    seconds = time.monotonic() - start
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: --cluster: cannot reach the Dask scheduler at {address} (" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and seconds < 30, (seconds, done.stderr)
    assert not list((coordinator / "grader-runs" / ASSIGNMENT).glob("*.json"))


@pytest.mark.parametrize("address", ["foo", "", "127.0.0.1", "tcp://", "local:0", "local:two"])
def test_a_malformed_cluster_address_is_refused_before_anything_starts(address, tmp_path):
    done = grader_cli("autograde", ASSIGNMENT, "--cluster", address, course=tmp_path / "course", repo_root=ROOT,
                      timeout=60)
    assert done.returncode == 2, done.stdout + done.stderr
    assert ("argument --cluster: expected a Dask scheduler's address tcp://HOST:PORT, or local:N for N >= 1 "
            f"workers on this machine; got {address!r}") in done.stderr, done.stderr
    assert not (tmp_path / "course").exists()


def test_an_interrupted_coordinator_stops_its_grading_on_the_workers(course, tmp_path):
    """SIGTERM while a submission loops: the worker stops grading it at once, not at the cell's time limit."""
    files, _ = course
    coordinator = workspace(course, tmp_path / "course")
    cluster = Cluster(tmp_path)
    try:
        command = [sys.executable, "-m", "grader", "autograde", ASSIGNMENT, "--cluster", cluster.address,
                   "--student", "infinite_loop", "--force", "--timeout", "80", "--wall", "90",
                   "--course-dir", str(coordinator), "--repo-root", str(files)]
        process = subprocess.Popen(command, cwd=REPO, env=nbgrader_env(), stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)

        def grading():
            return [folder for place in cluster.dirs for folder in place.rglob("grader-task-*")]

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not grading():
            time.sleep(0.05)
        assert grading(), "no worker started grading"
        process.terminate()
        out, err = process.communicate(timeout=60)
        assert process.returncode == 130, out + err
        assert "run it again without --force to continue" in err, err
        deadline = time.monotonic() + 20  # the loop's cell would run for 80 s
        while time.monotonic() < deadline and grading():
            time.sleep(0.1)
        assert not grading(), "a worker still grades for a coordinator that has gone"
    finally:
        cluster.stop()


def test_a_worker_without_bubblewrap_refuses_under_sandbox_required(course, tmp_path):
    """One worker finds bubblewrap, one does not (bwrap is not on its PATH): nothing is graded."""
    files, _ = course
    coordinator = workspace(course, tmp_path / "course")
    cluster = Cluster(tmp_path, worker_env=[{"PATH": str(Path(sys.executable).parent)}, {}])
    try:
        done = grader_cli("autograde", ASSIGNMENT, "--cluster", cluster.address, "--sandbox", "required",
                          course=coordinator, repo_root=files)
    finally:
        cluster.stop()
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"error: --sandbox required, but 1 of 2 workers cannot sandbox (worker {cluster.workers[0]}: "
            "bubblewrap is not installed") in done.stderr, done.stderr
    assert not list((coordinator / "grader-runs" / ASSIGNMENT).glob("*.json"))


def test_make_grade_with_a_local_cluster_as_the_readme_says(tmp_path):
    """The README's `make grade ... CLUSTER=local:2`, on the real notebook 03, in a fresh checkout."""
    checkout, downloads = fresh_checkout(tmp_path / "checkout"), tmp_path / "downloads"
    downloads.mkdir()
    assignment = "03-padding-and-stride"
    shutil.copyfile(REPO / "solutions" / assignment / f"{assignment}.ipynb", downloads / "solver.ipynb")
    shutil.copyfile(REPO / "notebooks" / assignment / f"{assignment}.ipynb", downloads / "untouched.ipynb")
    line = readme_line("make grade", **{"DOWNLOADS.zip": str(downloads)})
    done = shell(line, checkout, timeout=900)
    assert "cluster: scheduler tcp://127.0.0.1:" in done.stderr and "2 workers" in done.stderr, done.stderr
    assert "2 submissions, 0 could not be graded" in done.stdout, done.stdout
    solver = json.loads((checkout / "grading" / "grader-runs" / assignment / "solver.json").read_text())
    untouched = json.loads((checkout / "grading" / "grader-runs" / assignment / "untouched.json").read_text())
    autograded = [cell for cell in solver["cells"].values() if not cell["manual"]]
    assert autograded and solver["score"] == sum(cell["max_score"] for cell in autograded)  # the written
    assert solver["max_score"] > solver["score"]  # answer waits for a person
    assert untouched["score"] == 0
    assert (checkout / "grading" / "reports" / assignment / "grades.csv").exists()


def test_the_bundle_holds_the_assignment_as_the_gradebook_has_it(course, tmp_path, monkeypatch):
    import nbgrader.api
    from nbgrader.api import Gradebook
    from sqlalchemy import create_engine, text

    from grader.config import COURSE_ID, gradebook_url, put_environment_on_path
    from grader.packets import assignment_bundle

    def alembic_heads():
        raise AssertionError("a new gradebook ran `alembic heads` (seconds per assignment)")

    files, template = course
    monkeypatch.setattr(nbgrader.api, "get_alembic_version", alembic_heads)
    bundle = assignment_bundle(template, ASSIGNMENT, files / "solutions")
    monkeypatch.undo()
    (tmp_path / "mini.db").write_bytes(bundle["gradebook"])

    def described(url):
        with Gradebook(url, COURSE_ID) as gb:
            notebook = gb.find_assignment(ASSIGNMENT).notebooks[0]
            return (sorted((c.name, c.max_score, c.cell_type) for c in notebook.grade_cells),
                    sorted((c.name, c.locked, c.checksum, c.source) for c in notebook.source_cells),
                    sorted(c.name for c in notebook.solution_cells), notebook.kernelspec)

    assert described(f"sqlite:///{tmp_path / 'mini.db'}") == described(gradebook_url(template))
    assert bundle["source_files"] == {}  # the fixture's source folder has its notebook only, which stays home
    with Gradebook(f"sqlite:///{tmp_path / 'mini.db'}", COURSE_ID) as gb:
        assert gb.students == [] and gb.find_assignment(ASSIGNMENT).submissions == []

    def schema_version(url):
        engine = create_engine(url)
        with engine.connect() as connection:
            version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        engine.dispose()
        return version

    assert schema_version(f"sqlite:///{tmp_path / 'mini.db'}") == schema_version(gradebook_url(template))
    put_environment_on_path()  # for alembic
    assert schema_version(gradebook_url(template)) == nbgrader.api.get_alembic_version()  # nbgrader's head


def test_the_bundle_outlives_the_worker_that_holds_its_only_copy(tmp_path):
    """Dask's memory manager keeps one copy of the bundle; that worker dies; the tasks that need it still run.

    Scattered data failed here: its dependents were "cancelled: already forgotten" (a CI run of session 8).
    """
    from distributed import Client

    from grader.cluster import share

    cluster = Cluster(tmp_path)
    try:
        with Client(cluster.address, timeout="30s") as client:
            bundle = share(client, {"assignment": ASSIGNMENT, "gradebook": bytes(1000)}, key="bundle-test")
            bundle.result(timeout=60)
            client.submit(len, bundle, workers=[cluster.workers[0]], pure=False).result(timeout=60)
            client.submit(len, bundle, workers=[cluster.workers[1]], pure=False).result(timeout=60)
            deadline = time.monotonic() + 30  # now on both workers, until the memory manager drops one copy
            while time.monotonic() < deadline and len(client.who_has([bundle])[bundle.key]) != 1:
                time.sleep(0.1)
            (holder,) = client.who_has([bundle])[bundle.key]
            cluster.kill_worker(0 if holder == cluster.workers[0] else 1)
            assert client.submit(len, bundle, pure=False).result(timeout=120) == 2
    finally:
        cluster.stop()


def test_rows_from_a_worker_keep_an_instructors_manual_grade(course, tmp_path):
    from nbgrader.api import Gradebook

    from grader.config import COURSE_ID, gradebook_url
    from grader.packets import apply_rows

    coordinator = workspace(course, tmp_path / "course")
    with Gradebook(gradebook_url(coordinator), COURSE_ID) as gb:
        gb.update_or_create_student("s")
        gb.add_submission(ASSIGNMENT, "s")
        gb.find_grade("test_square", ASSIGNMENT, ASSIGNMENT, "s").manual_score = 1.5
        gb.db.commit()
    sent = {"late_submission_penalty": None, "comments": {},
            "grades": {"test_square": (2.0, False), "test_size": (1.0, False), "test_correlate": (None, True)}}
    apply_rows(coordinator, ASSIGNMENT, "s", {"timestamp": None, "notebooks": {ASSIGNMENT: sent}})
    with Gradebook(gradebook_url(coordinator), COURSE_ID) as gb:
        grade = {name: gb.find_grade(name, ASSIGNMENT, ASSIGNMENT, "s") for name in sent["grades"]}
        state = {name: (g.auto_score, g.manual_score, g.needs_manual_grade, g.score) for name, g in grade.items()}
    assert state == {"test_square": (2.0, 1.5, True, 1.5), "test_size": (1.0, None, False, 1.0),
                     "test_correlate": (None, None, True, 0.0)}


def test_the_cluster_benchmark_runs_as_the_readme_gives_it(tmp_path):
    """``benchmarks/grade_bench.py --only cluster``, once through on 2 submissions (its numbers are measurements)."""
    done = subprocess.run([sys.executable, str(REPO / "benchmarks" / "grade_bench.py"), "--only", "cluster",
                           "--rounds", "1", "--cluster-submissions", "2"], cwd=tmp_path, env=nbgrader_env(),
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    for row in ("--jobs 1", "--cluster local:1", "--jobs 2", "--cluster local:2", "--cluster tcp:// (2 workers)"):
        assert re.search(rf"^{re.escape(row)} +\d+ +[\d.]+ +[\d.]+ +-?[\d.]+ +[+-][\d.]+s +[+-]\d+%", done.stdout,
                         re.MULTILINE), done.stdout
    assert "identical scores on every row: True" in done.stdout
