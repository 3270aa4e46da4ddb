"""The bodies of the ``python -m grader`` subcommands: parse-free, print-only glue over the modules."""

import sys
from pathlib import Path

from .config import solutions_dir


class CommandError(Exception):
    """A user error the CLI reports in one line (exit status 2)."""


def _assignments(args):
    names, source = args.assignments, solutions_dir(args.repo_root)
    known = sorted(p.name for p in source.iterdir() if p.is_dir()) if source.is_dir() else []
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise CommandError(f"no such assignment in solutions/: {', '.join(unknown)} (known: {', '.join(known)})")
    if not known:
        raise CommandError(f"no assignments in {source}: nothing to do")
    return list(names) or known


def _course(args):
    from .api import open_course

    return open_course(args.course_dir, args.repo_root, db_url=args.db)


def _registered(args, course):
    """Check that ``args.assignment`` is in solutions/; register it in the workspace's gradebook if new."""
    from .api import ensure_registered

    assignment = args.assignment
    if not (solutions_dir(args.repo_root) / assignment).is_dir():
        known = sorted(p.name for p in solutions_dir(args.repo_root).glob("*") if p.is_dir())
        raise CommandError(f"--assignment must name a folder in solutions/, got {assignment!r} "
                           f"(known: {', '.join(known)})")
    if ensure_registered(assignment, args.repo_root, course):
        print(f"{assignment} was not in the gradebook of {course}: registered it from "
              f"solutions/{assignment}/", file=sys.stderr)


def _sandbox_mode(mode):
    """Say how kernels will be isolated; refuse when ``required`` cannot be had. Returns ``mode``."""
    import os

    from .sandbox import bubblewrap_status, sandbox_user_status

    if mode == "off":
        print("sandbox: off (--sandbox off): kernels run with process limits only", file=sys.stderr)
        return mode
    usable, reason = bubblewrap_status()
    if not usable and mode == "required":
        raise CommandError(f"--sandbox required, but {reason}")
    if usable:
        return mode
    who = ""
    if os.geteuid() == 0:
        user_ok, user_reason = sandbox_user_status()
        who = (f"; {user_reason}" if user_ok else
               f"; {user_reason}, so kernels run as root without capabilities, and the grader counts "
               "their processes instead of the kernel's own limit")
    print(f"sandbox: NOT AVAILABLE ({reason}); kernels run with process limits only{who}. "
          "Use --sandbox required to refuse to grade without it.", file=sys.stderr)
    return mode


def release(args):
    """``release [ASSIGNMENT...]``"""
    from . import api

    course = _course(args)
    for assignment in _assignments(args):
        try:
            path = api.release(assignment, args.repo_root, course)
        except RuntimeError as err:
            if "there are submissions associated with it" not in str(err):
                raise
            raise CommandError(
                f"{assignment} has submissions in the gradebook of {course}, and nbgrader cannot add or remove "
                f"cells of an assignment that has been graded (their grades would lose their cells). "
                f"notebooks/ is unchanged. Release the changed notebook into a new workspace "
                f"(--course-dir), or keep the cells as they are.") from None
        print(f"released {assignment} -> {path}")


def autograde(args):
    """``autograde A [--jobs N | --cluster ADDRESS] [--timeout S] [--wall S] [--memory-mb M] [--student ID] [--force] [--sandbox MODE]``"""
    from tqdm import tqdm

    from .autograde import autograde as run
    from .result_store import pending, submitted_students
    from .execute import Limits

    course = _course(args)
    sandbox = args.sandbox if args.cluster else _sandbox_mode(args.sandbox)  # on a cluster: the workers'
    _registered(args, course)
    everyone = submitted_students(course, args.assignment)
    if not everyone and not args.student:
        raise CommandError(f"no submissions of {args.assignment} in {course / 'submitted'}: collect them first "
                           f"(`python -m grader collect SOURCE --assignment {args.assignment}`, or "
                           "`make grade ... SUBMISSIONS=SOURCE`)")
    todo = args.student or (everyone if args.force else pending(course, args.assignment))
    if len(todo) < len(everyone) and not args.student:
        print(f"{len(everyone) - len(todo)} of {len(everyone)} submissions already graded (kept); "
              f"grading {len(todo)}", file=sys.stderr)
    limits = Limits(cell_timeout=args.timeout, wall_s=args.wall, memory_mb=args.memory_mb)
    with tqdm(total=len(todo), desc=f"autograde {args.assignment}", unit="submission", file=sys.stderr) as bar:
        def progress(result):
            bar.update(1)
            if result.status != "graded":
                bar.write(f"{result.student}: could not be graded: {result.notes[0]}")

        options = dict(limits=limits, students=args.student, force=args.force, progress=progress, sandbox=sandbox)
        if args.cluster:  # its lines go above the bar, not into it
            results = _autograde_on_cluster(args, course, options, say=lambda line: bar.write(line, file=sys.stderr))
        else:
            results = run(course, args.assignment, jobs=args.jobs, **options)
    _print_summary(results)


def _autograde_on_cluster(args, course, options, say):
    """``autograde --cluster ADDRESS``: the same grading, each submission a task on a Dask cluster.

    ``say(line)`` tells the instructor where the cluster is and what its workers lack.
    """
    from .cluster import ClusterError, autograde_on_cluster, check_workers, connect, describe

    if args.jobs:
        say("--jobs is ignored with --cluster: every worker thread grades one submission at a time")
    try:
        with connect(args.cluster) as client:
            describe(client, log=say)
            check_workers(client, options["sandbox"], log=say)
            return autograde_on_cluster(client, course, args.assignment, solutions_dir(args.repo_root), **options)
    except ClusterError as err:
        raise CommandError(str(err)) from None


def _print_summary(results):
    for student in sorted(results):
        result = results[student]
        notes = "; ".join(result.notes)
        print(f"{student:20s} {result.status:7s} {result.score:6g}/{result.max_score:g}  {notes}")
    failed = sum(r.status != "graded" for r in results.values())
    print(f"{len(results)} submissions, {failed} could not be graded (scored zero, see notes)")


def feedback(args):
    """``feedback A [--release]``"""
    from .feedback import generate_feedback

    course = _course(args)
    for path in generate_feedback(course, args.assignment):
        print(path)
    if args.release:
        from .config import exchange_root
        from .exchange import release_feedback

        root = exchange_root(args.exchange_root)
        release_feedback(course, args.assignment, root)
        print(f"feedback released to {root}: each student fetches it in the Assignments tab")


def publish(args):
    """``publish A``: nbgrader's release_assignment into the exchange."""
    from .config import exchange_root
    from .exchange import publish as to_exchange

    course = _course(args)
    _registered(args, course)
    print(f"published {args.assignment} -> {to_exchange(course, args.assignment, exchange_root(args.exchange_root))}")


def report(args):
    """``report A [--out DIR]``"""
    from .report import write_report

    course = _course(args)
    out = Path(args.out) if args.out else course / "reports" / args.assignment
    report = write_report(course, args.assignment, out)
    for path in report.paths:
        print(path)
    print(report.summary())


def formgrade(args):
    """``formgrade [--port P]``: nbgrader's formgrader, on a Jupyter server rooted at the workspace."""
    import os

    from .config import nbgrader_env

    course = _course(args)
    command = [str(Path(sys.executable).parent / "jupyter-server"), "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={args.port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={course}",
               "--ServerApp.default_url=/formgrader"]
    if os.geteuid() == 0:  # Jupyter refuses root without it; a real instructor is not root
        command.append("--allow-root")
    print(f"formgrader for {course} at http://127.0.0.1:{args.port}/ (the token is in the URL below; "
          "Ctrl-C stops it). Manual Grading: give points to the written answers; then run `grader report`.",
          file=sys.stderr)
    sys.stderr.flush()
    os.chdir(course)  # the formgrader reads the workspace's nbgrader_config.py from here
    os.execve(command[0], command, nbgrader_env())


def collect(args):
    """``collect SOURCE --assignment A`` or ``collect --exchange A``"""
    from .collect import collect_submissions

    if bool(args.source) == bool(args.exchange):
        raise CommandError("collect needs either SOURCE with --assignment A, or --exchange A (not both), got "
                           f"SOURCE={args.source!r}, --exchange={args.exchange!r}")
    args.assignment = args.exchange or args.assignment
    if not args.assignment:
        raise CommandError(f"collect {args.source} needs --assignment A: which assignment the submissions are")
    course = _course(args)
    _registered(args, course)
    if args.exchange:
        from .config import exchange_root
        from .exchange import collect_from_exchange

        outcome = collect_from_exchange(course, args.assignment, exchange_root(args.exchange_root))
    else:
        outcome = collect_submissions(args.source, course, args.assignment)
    for line in outcome.lines():
        print(line)
    return 1 if outcome.unplaced else 0


def dist(args):
    """``dist OUT``"""
    from .dist import DistLeakError, build_dist

    try:
        out = build_dist(Path(args.repo_root), Path(args.out))
    except DistLeakError as err:
        print(f"dist FAILED: {err}", file=sys.stderr)
        return 1
    print(f"student distribution in {out}: no solution or hidden-test line found")


def check(args):
    """``check [ASSIGNMENT...]``"""
    from .check import check_course

    problems = check_course(Path(args.repo_root), _assignments(args), jobs=args.jobs, log=print)
    for problem in problems:
        print(f"PROBLEM: {problem}", file=sys.stderr)
    return 1 if problems else 0
