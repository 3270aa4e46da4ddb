"""Autograde 24 submissions serially with plain ``nbgrader autograde`` and with ``grader autograde --jobs 2``.

Prints both wall-clock times, the speed-up and whether every per-cell score is
identical.  Target on the 2-core CI machine: at least 1.7x with identical scores.
The submissions are graded in ``--rounds`` batches, serial and parallel taking
turns, so that a change in the machine's load hits both sides alike.

Then it times the README's one-line grading command, ``make grade
ASSIGNMENT=03-padding-and-stride SUBMISSIONS=<folder>``, on as many
submissions of the real notebook 03 (solutions, untouched releases and the
typical mistakes of ``tests/mistakes/``) in a fresh checkout: collect,
registration, autograde, feedback and report, end to end.

    .venv/bin/python benchmarks/grade_bench.py [--submissions 24] [--jobs 2] [--rounds 3]
"""

import argparse
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
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
    with tempfile.TemporaryDirectory(prefix="make-grade-bench-") as scratch:
        seconds, summary = time_make_grade(Path(scratch), args.submissions)
    print(f"make grade, {args.submissions} submissions of notebook 03 (all cores): {seconds:7.1f} s, "
          f"{seconds / args.submissions:.2f} s per submission ({summary})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
