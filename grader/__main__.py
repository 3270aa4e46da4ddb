"""``python -m grader``: the cnnlab course pipeline (release, publish, collect, autograde, formgrade, feedback, report, dist, check)."""

import argparse
import signal
import sys

from . import commands
from .config import (DEFAULT_CELL_TIMEOUT, DEFAULT_COURSE_DIR, DEFAULT_MEMORY_MB, FORMGRADE_PORT, REPO_ROOT,
                     put_environment_on_path)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--course-dir", default=str(DEFAULT_COURSE_DIR),
                       help="grading workspace: submitted/, autograded/, feedback/, gradebook.db (default: grading/)")
        p.add_argument("--repo-root", default=str(REPO_ROOT),
                       help="course files: solutions/, notebooks/, cnnlab/ (default: this repository)")
        p.add_argument("--db", default=None, metavar="URL",
                       help="gradebook database, any SQLAlchemy URL nbgrader accepts (e.g. "
                            "postgresql+psycopg2://user@host/db); kept for the workspace "
                            "(default: the workspace's SQLite gradebook.db)")
        p.set_defaults(run=getattr(commands, name))
        return p

    p = command("release", "regenerate notebooks/ from solutions/ with nbgrader generate_assignment")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every folder in solutions/")

    def exchange_option(p):
        p.add_argument("--exchange-root", default=None, metavar="DIR",
                       help="nbgrader's exchange folder (default: $CNNLAB_EXCHANGE, else /srv/nbgrader/exchange)")

    p = command("publish", "release an assignment to nbgrader's exchange: students fetch it in the Assignments tab")
    p.add_argument("assignment")
    exchange_option(p)

    p = command("collect", "file submissions (nbgrader tree, folder of .ipynb, LMS zip, the exchange) into the workspace")
    p.add_argument("source", nargs="?", help="submitted/<student>/<A>/ tree, a folder of loose .ipynb files, or a .zip")
    p.add_argument("--assignment", help="the assignment the SOURCE holds")
    p.add_argument("--exchange", metavar="ASSIGNMENT",
                   help="instead of SOURCE: the latest submission of each student from nbgrader's exchange")
    exchange_option(p)

    p = command("autograde", "grade all (or one) submissions in parallel, resumable")
    p.add_argument("assignment")
    p.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: all cores)")
    p.add_argument("--timeout", type=int, default=DEFAULT_CELL_TIMEOUT, help="seconds per cell (default: %(default)s)")
    p.add_argument("--wall", type=float, default=600.0, help="seconds per submission (default: %(default)g)")
    p.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB,
                   help="memory per submission's kernel, MB (default: %(default)s)")
    p.add_argument("--student", action="append", help="grade only this student (repeatable); always re-grades")
    p.add_argument("--force", action="store_true", help="re-grade submissions that already have a result")
    p.add_argument("--cluster", default=None, metavar="ADDRESS", type=_cluster_address,
                   help="grade on a Dask cluster: a scheduler's tcp://HOST:8786, or local:N for N workers "
                        "on this machine (default: this machine, --jobs at once)")
    p.add_argument("--sandbox", choices=("auto", "required", "off"), default="auto",
                   help="isolate each kernel with bubblewrap: where available (auto, the default), "
                        "or refuse to grade without it (required), or never (off)")

    p = command("feedback", "HTML feedback per student; hidden tests and solutions never shown")
    p.add_argument("assignment")
    p.add_argument("--release", action="store_true",
                   help="also put each page where the student's Assignments tab fetches it (nbgrader's exchange)")
    exchange_option(p)

    p = command("report", "grades.csv, per-question statistics and a histogram of totals")
    p.add_argument("assignment")
    p.add_argument("--out", default=None, help="output folder (default: <course-dir>/reports/<assignment>)")

    p = command("formgrade", "serve nbgrader's formgrader on the workspace: grade the written answers in a browser")
    p.add_argument("--port", type=int, default=FORMGRADE_PORT, help=f"default: {FORMGRADE_PORT}")

    p = command("dist", "student distribution, proven free of solutions and hidden tests")
    p.add_argument("out", help="output folder (must not exist or be empty)")

    p = command("check", "notebooks/ is what release makes; solutions score full marks, releases zero")
    p.add_argument("assignments", nargs="*", metavar="ASSIGNMENT", help="default: every folder in solutions/")
    p.add_argument("--jobs", type=int, default=None)
    return parser


def _cluster_address(text):
    """``--cluster``'s value, checked by :func:`grader.cluster.check_address` (imported only when it is given)."""
    from .cluster import ClusterError, check_address

    try:
        return check_address(text)
    except ClusterError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv=None):
    """Run one subcommand; return its exit status.  SIGTERM stops it like Ctrl-C (children killed)."""
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    put_environment_on_path()  # `.venv/bin/python -m grader` from any shell: nbgrader finds alembic
    try:
        return args.run(args) or 0
    except commands.CommandError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        again = "it again without --force" if getattr(args, "force", False) else "the same command again"
        print(f"\ninterrupted: finished work is kept; run {again} to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
