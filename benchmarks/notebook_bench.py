"""How long each solution notebook takes to execute, against its 60 s budget (issues 5 and 6).

Run with ``make bench`` or ``.venv/bin/python benchmarks/notebook_bench.py [ASSIGNMENT ...]``.
Each notebook runs top to bottom in a fresh kernel, offline, one at a time, in a
temporary copy of its folder; the table gives wall time, the kernel's CPU time
(less sensitive to other jobs on a shared machine) and whether it is within budget.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 60.0
CPU_PROBE = "import resource as _r; _u = _r.getrusage(_r.RUSAGE_SELF); print(_u.ru_utime + _u.ru_stime)"


def run_notebook(path):
    """Execute ``path`` in a temporary copy; return (wall seconds, kernel CPU seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / path.parent.name
        shutil.copytree(path.parent, work)
        nb = nbformat.read(work / path.name, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(CPU_PROBE))
        client = NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(work)}})
        start = time.perf_counter()
        client.execute()
        wall = time.perf_counter() - start
    cpu = float(nb.cells[-1].outputs[0]["text"])
    return wall, cpu


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="default: every solution notebook")
    args = parser.parse_args(argv)
    os.environ.setdefault("HTTP_PROXY", "http://127.0.0.1:9")  # offline: any download fails fast
    os.environ.setdefault("HTTPS_PROXY", "http://127.0.0.1:9")
    names = args.assignments or sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    print(f"{'notebook':40s} {'wall s':>8s} {'CPU s':>8s}  budget {BUDGET_S:.0f} s")
    for name in names:
        wall, cpu = run_notebook(ROOT / "solutions" / name / f"{name}.ipynb")
        verdict = "ok" if wall <= BUDGET_S else "OVER"
        print(f"{name:40s} {wall:8.1f} {cpu:8.1f}  {verdict}", flush=True)
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
