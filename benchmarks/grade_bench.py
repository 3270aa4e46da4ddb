"""Autograde 24 submissions serially with plain ``nbgrader autograde`` and with ``grader autograde --jobs 2``.

Prints both wall-clock times, the speed-up and whether every per-cell score is
identical.  Target on the 2-core CI machine: at least 1.7x with identical scores.
The submissions are graded in ``--rounds`` batches, serial and parallel taking
turns, so that a change in the machine's load hits both sides alike.

Then the cluster rows (``autograde --cluster``, issue 16): the same
``--cluster-submissions`` submissions graded with ``--jobs 1`` and ``--jobs 2``
on this machine, and on Dask clusters of one and two local workers
(``local:1``, ``local:2``) and of two workers started with the ``dask`` CLI
(``tcp://``, started and warmed up once, as a cluster that has graded before),
each command timed whole (a ``local:N`` command starts its cluster too); the
median of ``--rounds`` rounds, the commands taking turns and each round
starting with the next one. Each command then runs once more with nothing
left to grade: that is its fixed cost (start, connect; a ``local:N``
cluster's start), which a big class pays once. The overhead is the extra wall
time per submission, fixed costs taken out, against ``--jobs`` with as many
workers; the goal is within 10%. The ``tcp://`` cluster idles beside every
row (on this 2-core machine its scheduler and workers take about a tenth of
a core between tasks).

Then it times the README's one-line grading command, ``make grade
ASSIGNMENT=03-padding-and-stride SUBMISSIONS=<folder>``, on as many
submissions of the real notebook 03 (solutions, untouched releases and the
typical mistakes of ``tests/mistakes/``) in a fresh checkout: collect,
registration, autograde, feedback and report, end to end.

    .venv/bin/python benchmarks/grade_bench.py [--submissions 24] [--jobs 2] [--rounds 3]
        [--cluster-submissions 24] [--only serial,cluster,make]
"""

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fixtures.grading import ASSIGNMENT, CALLS_SCIPY, CORRECT, FLIPPED, ROOT, write_submission  # noqa: E402
from grader.api import release  # noqa: E402
from grader.config import COURSE_ID, gradebook_url, nbgrader_env  # noqa: E402

WRONG_SIZE = {**CORRECT, "size": "def valid_size(n, k):\n    return n - k"}
MIXES = [CORRECT, FLIPPED, CORRECT, WRONG_SIZE, CALLS_SCIPY, CORRECT]


def scores(course):
    from nbgrader.api import Gradebook

    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        return {(s.student.id, g.name): g.score
                for s in gb.assignment_submissions(ASSIGNMENT) for nb in s.notebooks for g in nb.grades}


def prepare(base, count, rounds):
    """A released course, then per round two copies (serial, parallel) holding that round's submissions."""
    template = base / "template"
    notebook = release(ASSIGNMENT, ROOT, template, release_root=base / "release") / f"{ASSIGNMENT}.ipynb"
    pairs = []
    for r in range(rounds):
        pair = []
        for name in ("serial", "parallel"):
            course = base / f"{name}{r}"
            shutil.copytree(template, course)
            config = course / "nbgrader_config.py"
            config.write_text(config.read_text().replace(str(template), str(course)))
            for i in range(r, count, rounds):
                write_submission(notebook, MIXES[i % len(MIXES)], course, f"student{i:02d}")
            pair.append(course)
        pairs.append(pair)
    return pairs


def timed(command, cwd):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=nbgrader_env(), check=True, capture_output=True)
    return time.perf_counter() - start


def time_make_grade(base, count, assignment="03-padding-and-stride"):
    """Seconds ``make grade`` takes on ``count`` submissions of ``assignment`` in a fresh checkout, and its summary."""
    import runpy

    from fixtures.workspace import fresh_checkout, shell
    from grader.api import fill_answers

    workspace, folder = fresh_checkout(base / "checkout"), base / "downloads"
    folder.mkdir()
    solution = REPO / "solutions" / assignment / f"{assignment}.ipynb"
    release_notebook = REPO / "notebooks" / assignment / f"{assignment}.ipynb"
    mistakes = runpy.run_path(str(REPO / "tests" / "mistakes" / f"{assignment}.py"))["MISTAKES"]
    for i in range(count):
        kind = i % (2 + len(mistakes))
        target = folder / f"student{i:02d}.ipynb"
        if kind < 2:
            shutil.copyfile(solution if kind == 0 else release_notebook, target)
        else:
            fill_answers(solution, {mistakes[kind - 2]["answer_cell"]: mistakes[kind - 2]["source"]}, target)
    start = time.perf_counter()
    done = shell(f"make grade ASSIGNMENT={assignment} SUBMISSIONS={folder}", workspace, timeout=3600)
    summary = next(line for line in done.stdout.splitlines() if line.endswith("(scored zero, see notes)"))
    return time.perf_counter() - start, summary


def start_dask_cluster(folder, workers=2):
    """A ``dask scheduler`` and ``workers`` single-threaded ``dask worker`` processes on 127.0.0.1."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address, bin_dir = f"tcp://127.0.0.1:{port}", Path(sys.executable).parent
    commands = [[str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                 "--dashboard-address", "127.0.0.1:0"]]
    commands += [[str(bin_dir / "dask"), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
                  "--dashboard-address", "127.0.0.1:0"]] * workers
    processes = []
    for index, command in enumerate(commands):
        cwd = folder / f"dask{index}"
        cwd.mkdir(parents=True)
        processes.append(subprocess.Popen(command, cwd=cwd, env={**nbgrader_env(), "DASK_TEMPORARY_DIRECTORY": str(cwd)},
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    from distributed import Client

    from grader.cluster import warm_up

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(workers, timeout=60)
        client.gather(warm_up(client))  # as a cluster that has graded before: a worker's imports are its fixed cost, paid once
    return address, processes


CLUSTER_ROWS = [("--jobs 1", 1), ("--cluster local:1", 1), ("--jobs 2", 2), ("--cluster local:2", 2),
                ("--cluster tcp:// (2 workers)", 2)]


def cluster_rows(base, count, rounds):
    """Median seconds per command over ``rounds`` for ``count`` submissions, each row against its ``--jobs``.

    In every round each command grades a fresh copy of the same submissions, the
    commands taking turns, so that a change in the machine's load hits all alike.
    """
    import statistics

    template = base / "template"
    notebook = release(ASSIGNMENT, ROOT, template, release_root=base / "release") / f"{ASSIGNMENT}.ipynb"
    for i in range(count):
        write_submission(notebook, MIXES[i % len(MIXES)], template, f"student{i:02d}")
    address, processes = start_dask_cluster(base)
    seconds, same, reference = {label: [] for label, _ in CLUSTER_ROWS}, True, None
    grading = {label: [] for label, _ in CLUSTER_ROWS}  # the Supervisor's seconds, summed over the submissions
    fixed = {label: [] for label, _ in CLUSTER_ROWS}  # the same command again, nothing left to grade
    try:
        for r in range(rounds):
            for label, workers in CLUSTER_ROWS[r % len(CLUSTER_ROWS):] + CLUSTER_ROWS[:r % len(CLUSTER_ROWS)]:
                options = (["--jobs", str(workers)] if label.startswith("--jobs") else
                           ["--cluster", address if "tcp" in label else f"local:{workers}"])
                course = base / f"round{r}-{label.split()[1].replace(':', '').replace('/', '')}"
                shutil.copytree(template, course)
                config = course / "nbgrader_config.py"
                config.write_text(config.read_text().replace(str(template), str(course)))
                command = [sys.executable, "-m", "grader", "autograde", ASSIGNMENT, *options,
                           "--course-dir", str(course), "--repo-root", str(ROOT)]
                seconds[label].append(timed(command, REPO))
                fixed[label].append(timed(command, REPO))
                grading[label].append(sum(json.loads(path.read_text())["seconds"]
                                          for path in (course / "grader-runs" / ASSIGNMENT).glob("*.json")))
                scored = scores(course)
                reference = scored if reference is None else reference  # the first run's
                same = same and scored == reference
    finally:
        for process in processes:
            process.kill()
    rows, baseline = [], None
    for label, workers in CLUSTER_ROWS:
        median, start = statistics.median(seconds[label]), statistics.median(fixed[label])
        baseline = median - start if label.startswith("--jobs") else baseline
        rounds_each = [(wall - nothing) / count for wall, nothing in zip(seconds[label], fixed[label])]
        rows.append((label, workers, median, start, (median - start - baseline) / count,
                     (median - start) / baseline - 1, statistics.median(grading[label]) / count, rounds_each))
    return rows, same


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cluster-submissions", type=int, default=24)
    parser.add_argument("--only", default="serial,cluster,make", help="which parts to run (comma-separated)")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    same = True
    if "serial" in parts:
        same = serial_against_parallel(args)
    if "cluster" in parts:
        with tempfile.TemporaryDirectory(prefix="grade-bench-cluster-") as scratch:
            rows, cluster_same = cluster_rows(Path(scratch), args.cluster_submissions, args.rounds)
        print(f"\n{args.cluster_submissions} submissions of {ASSIGNMENT!r}, whole command timed, median of "
              f"{args.rounds} alternating rounds (overhead: against --jobs with as many workers)")
        print(f"{'how':30s} {'workers':>7s} {'wall s':>7s} {'fixed s':>8s} {'s/subm.':>8s} {'overhead/subm.':>15s} "
              f"{'overhead':>9s} {'grading s/subm.':>16s}   per round")
        for label, workers, seconds, start, per_submission, overhead, graded, rounds_each in rows:
            print(f"{label:30s} {workers:7d} {seconds:7.1f} {start:8.1f} "
                  f"{(seconds - start) / args.cluster_submissions:8.2f} {per_submission:+14.2f}s {overhead:+8.0%} "
                  f"{graded:16.2f}   {' '.join(f'{each:.2f}' for each in rounds_each)}")
        print("(fixed s: the command with nothing to grade; s/subm.: wall time less fixed, per submission; "
              "grading s/subm.: one submission's grading process, where it ran; last: s/subm. in each round)")
        print(f"identical scores on every row: {cluster_same}")
        same = same and cluster_same
    if "make" in parts:
        with tempfile.TemporaryDirectory(prefix="make-grade-bench-") as scratch:
            seconds, summary = time_make_grade(Path(scratch), args.submissions)
        print(f"make grade, {args.submissions} submissions of notebook 03 (all cores): {seconds:7.1f} s, "
              f"{seconds / args.submissions:.2f} s per submission ({summary})")
    return 0 if same else 1


def serial_against_parallel(args):
    """Plain nbgrader serially against ``grader autograde --jobs``, in alternating rounds; True if scores agree."""
    t_serial = t_parallel = 0.0
    same = True
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as scratch:
        for serial, parallel in prepare(Path(scratch), args.submissions, args.rounds):
            t_serial += timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT,
                               f"--course-dir={serial}"], serial)
            t_parallel += timed([sys.executable, "-m", "grader", "autograde", ASSIGNMENT, "--jobs", str(args.jobs),
                                 "--course-dir", str(parallel), "--repo-root", str(ROOT)], REPO)
            same = same and scores(serial) == scores(parallel)
    print(f"{args.submissions} submissions of {ASSIGNMENT!r} in {args.rounds} alternating rounds")
    print(f"nbgrader autograde (serial):       {t_serial:7.1f} s")
    print(f"grader autograde --jobs {args.jobs}:         {t_parallel:7.1f} s")
    print(f"speed-up: {t_serial / t_parallel:.2f}x   identical scores: {same}")
    return same


if __name__ == "__main__":
    sys.exit(main())
