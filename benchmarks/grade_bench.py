"""Autograde 24 submissions serially with plain ``nbgrader autograde`` and with ``grader autograde --jobs 2``.

Prints both wall-clock times, the speed-up and whether every per-cell score is
identical.  Target on the 2-core CI machine: at least 1.7x with identical scores.

    .venv/bin/python benchmarks/grade_bench.py [--submissions 24] [--jobs 2]
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


def prepare(base, count):
    """A released course with ``count`` submissions, copied twice (serial, parallel)."""
    template = base / "template"
    notebook = release(ASSIGNMENT, ROOT, template, release_root=base / "release") / f"{ASSIGNMENT}.ipynb"
    for i in range(count):
        write_submission(notebook, MIXES[i % len(MIXES)], template, f"student{i:02d}")
    courses = []
    for name in ("serial", "parallel"):
        course = base / name
        shutil.copytree(template, course)
        config = course / "nbgrader_config.py"
        config.write_text(config.read_text().replace(str(template), str(course)))
        courses.append(course)
    return courses


def timed(command, cwd):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=nbgrader_env(), check=True, capture_output=True)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="grade-bench-") as scratch:
        serial, parallel = prepare(Path(scratch), args.submissions)
        t_serial = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, f"--course-dir={serial}"],
                         serial)
        t_parallel = timed([sys.executable, "-m", "grader", "autograde", ASSIGNMENT, "--jobs", str(args.jobs),
                            "--course-dir", str(parallel), "--repo-root", str(ROOT)], REPO)
        same = scores(serial) == scores(parallel)
    print(f"{args.submissions} submissions of {ASSIGNMENT!r}")
    print(f"nbgrader autograde (serial):       {t_serial:7.1f} s")
    print(f"grader autograde --jobs {args.jobs}:         {t_parallel:7.1f} s")
    print(f"speed-up: {t_serial / t_parallel:.2f}x   identical scores: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
