"""Fast unit tests of the grader's pieces (no nbgrader run): doctests, prechecks, leaks, limits, CLI help."""

import doctest
import importlib
import json
import os
import subprocess
import sys
import time

import psutil
import pytest

from grader.autograde import precheck
from grader.execute import KernelLimits, Limits, Supervisor, _memory, kernel_command
from grader.leaks import find_leaks, secret_lines

MODULES = ["grader.autograde", "grader.config", "grader.execute", "grader.results", "grader.report",
           "grader.collect", "grader.leaks", "grader.check", "grader.tamper", "grader.tamper_scan", "grader.sandbox",
           "grader.preprocessors", "grader.pipelines", "grader.kernels", "grader._jupyter_client_adapter", "grader.scratch"]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0


def notebook_text(cells):
    return json.dumps({"cells": [{"cell_type": "code", "source": s, "metadata": {}, "outputs": [],
                                  "execution_count": None} for s in cells],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def test_precheck_names_each_unreadable_case(tmp_path):
    assert precheck(tmp_path, ["hw"]) == ["no notebook named hw.ipynb in the submission; found: nothing"]
    (tmp_path / "hw.ipynb").write_text("")
    assert precheck(tmp_path, ["hw"]) == ["hw.ipynb is empty (0 bytes)"]
    (tmp_path / "hw.ipynb").write_text("[1, 2")
    assert "hw.ipynb is not a readable notebook (NotJSONError" in precheck(tmp_path, ["hw"])[0]
    (tmp_path / "hw.ipynb").write_text(notebook_text(["x = 1"]))
    assert precheck(tmp_path, ["hw"]) == []


def test_secret_lines_skip_public_and_short_lines(tmp_path):
    solution = tmp_path / "a.ipynb"
    solution.write_text(notebook_text([
        "def f(x):\n    ### BEGIN SOLUTION\n    total = x * 17 + 1\n    pass\n    ### END SOLUTION",
        "assert f(1) == 18\n### BEGIN HIDDEN TESTS\nassert f(2) == 35, 'f on 2'\n### END HIDDEN TESTS",
        "shared = helper(3)  # public\n### BEGIN SOLUTION\nshared = helper(3)  # public\n### END SOLUTION"]))
    library = tmp_path / "lib.py"
    library.write_text("y = 2\n")
    secrets = secret_lines([solution], public_files=[library])
    assert secrets == {"total = x * 17 + 1", "assert f(2) == 35, 'f on 2'"}
    html = tmp_path / "out" / "page.html"
    html.parent.mkdir()
    html.write_text("<pre><span>assert</span> f(2) <span>==</span> 35, &#39;f on 2&#39;</pre>")
    assert find_leaks(tmp_path / "out", secrets) == [(html, "assert f(2) == 35, 'f on 2'")]
    html.write_text("<pre>----&gt; 3 assert f(2) == 35, 'f on 2'\ngrand_total = x * 17 + 1 + y</pre>")
    assert find_leaks(tmp_path / "out", secrets) == [(html, "assert f(2) == 35, 'f on 2'")]


def test_kernel_command_wraps_the_kernel_in_the_limiting_launcher():
    import grader.execute

    limits = KernelLimits(memory_mb=256, cpu_seconds=30, file_size_mb=8, open_files=64, processes=50)
    command = kernel_command(["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "c.json"], limits)
    assert command[:3] == [sys.executable, "-P", grader.execute.__file__]  # safe path: no file of the submission
    assert command[3:14] == ["--memory-mb", "256", "--cpu-s", "30", "--fsize-mb", "8", "--nofile", "64",
                             "--nproc", "50", "--"]
    assert command[14:] == ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "c.json"]


def test_launcher_sets_every_limit_and_the_kernel_environment(tmp_path):
    code = ("import os, resource as r, sys; print(os.environ['MPLBACKEND'], sys.flags.safe_path, "
            "*[r.getrlimit(getattr(r, 'RLIMIT_' + n))[0] for n in ('CPU', 'FSIZE', 'NOFILE', 'CORE')]); "
            "bytearray(600 * 2**20)")
    limits = KernelLimits(memory_mb=300, cpu_seconds=20, file_size_mb=1, open_files=40)
    done = subprocess.run(kernel_command([sys.executable, "-c", code], limits), capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.stdout.split() == ["Agg", "True", "20", str(2**20), "40", "0"] and "MemoryError" in done.stderr


def test_a_file_of_the_submission_cannot_pose_as_the_launcher_or_a_module(tmp_path):
    (tmp_path / "grader").mkdir()
    (tmp_path / "grader" / "execute.py").write_text("print('FAKE LAUNCHER')")
    (tmp_path / "numpy.py").write_text("print('FAKE NUMPY')")
    code = "import numpy; print(numpy.__name__)"
    done = subprocess.run(kernel_command([sys.executable, "-c", code], KernelLimits()), capture_output=True,
                          text=True, cwd=tmp_path)
    assert done.stdout.split() == ["numpy"], done.stdout + done.stderr


def _allocate_and_wait():
    block = bytearray(400 * 2**20)
    block[::4096] = b"x" * len(block[::4096])
    time.sleep(30)


def test_supervisor_kills_a_tree_over_its_memory_limit():
    supervisor = Supervisor(_allocate_and_wait, (), Limits(memory_mb=100, overhead_mb=100, wall_s=60))
    while supervisor.poll() is None:
        time.sleep(0.1)
    assert supervisor.outcome == "memory limit" and supervisor.elapsed < 30


def _fork_copies_and_wait(copies, seconds):
    block = bytearray(300 * 2**20)
    block[::4096] = b"x" * len(block[::4096])  # resident, then shared by every copy
    children = []
    for _ in range(copies):
        pid = os.fork()
        if pid == 0:  # a copy: only sleeps
            time.sleep(seconds)
            os._exit(0)
        children.append(pid)
    for pid in children:
        os.waitpid(pid, 0)


def test_supervisor_counts_memory_that_forked_copies_share_once():
    inherited_mb = psutil.Process().memory_info().rss / 2**20  # the forked child starts with pytest's pages
    limits = Limits(memory_mb=int(inherited_mb) + 300 + 200, overhead_mb=0, wall_s=60)
    supervisor = Supervisor(_fork_copies_and_wait, (20, 3), limits)
    summed_rss = []
    while supervisor.poll() is None:
        summed_rss.append(_memory(supervisor._tree(), "rss") / 2**20)
        time.sleep(0.1)
    assert max(summed_rss) > 10 * (limits.memory_mb + limits.overhead_mb)  # resident sizes, summed, were far over
    assert supervisor.outcome == "ok"


def test_supervisor_reports_exit_status():
    supervisor = Supervisor(sys.exit, (3,), Limits())
    while supervisor.poll() is None:
        time.sleep(0.05)
    assert supervisor.outcome == "exit 3"


@pytest.mark.parametrize("command", ["release", "collect", "autograde", "formgrade", "feedback", "report", "dist", "check"])
def test_every_command_has_help_and_course_dir(command):
    done = subprocess.run([sys.executable, "-m", "grader", command, "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "--course-dir" in done.stdout


def test_guarded_execute_takes_its_kernel_manager_from_config():
    from jupyter_client.manager import AsyncKernelManager
    from traitlets.config import Config

    from grader.kernels import LimitedKernelManager
    from grader.preprocessors import GuardedExecute

    assert GuardedExecute().kernel_manager_class is LimitedKernelManager
    config = Config()
    config.Execute.kernel_manager_class = "jupyter_client.manager.AsyncKernelManager"
    assert GuardedExecute(config=config).kernel_manager_class is AsyncKernelManager


async def _wait_across_a_send(channel_class):
    """Seconds a channel's ``get_msg`` takes for a message that arrives while its own socket sends.

    A deterministic case of nbclient issue #312: the message comes while the
    event loop is busy, then the waiting socket sends (as nbclient's stand-in
    for an Output widget does), which uses up ZeroMQ's one notification.
    """
    import asyncio

    import zmq
    import zmq.asyncio
    from jupyter_client.session import Session

    context, session = zmq.asyncio.Context(), Session()
    ours, kernel = context.socket(zmq.DEALER), context.socket(zmq.DEALER)
    ours.bind("inproc://wait-across-a-send")
    kernel.connect("inproc://wait-across-a-send")
    channel = channel_class(ours, session)
    try:
        await kernel.send_multipart(session.serialize(session.msg("kernel_info_reply")))
        await channel.get_msg(timeout=1)  # connected
        waiting = asyncio.ensure_future(channel.get_msg(timeout=3))
        await asyncio.sleep(0.05)  # the wait now sleeps on the socket's notification
        start = time.monotonic()
        kernel.send_multipart(session.serialize(session.msg("execute_reply")))
        time.sleep(0.05)  # the reply is in our queue; the loop has not run
        channel.send(session.msg("comm_msg"))
        msg = await waiting
        return msg["header"]["msg_type"], time.monotonic() - start
    finally:
        ours.close(0)
        kernel.close(0)
        context.term()


def test_a_grading_kernel_channel_sees_a_message_that_came_while_it_sent():
    import asyncio

    from jupyter_client.channels import AsyncZMQSocketChannel

    from grader.kernels import GradingKernelClient, LimitedKernelManager, WakefulChannel

    kind, seconds = asyncio.run(_wait_across_a_send(AsyncZMQSocketChannel))
    assert kind == "execute_reply" and seconds > 2.5  # jupyter_client's own channel sleeps through it
    kind, seconds = asyncio.run(_wait_across_a_send(WakefulChannel))
    assert kind == "execute_reply" and seconds < 1
    client = LimitedKernelManager().client()
    assert isinstance(client, GradingKernelClient) and isinstance(client.shell_channel, WakefulChannel)
    client.stop_channels()


def test_a_kernel_that_ran_every_cell_is_killed_before_its_exit_hooks(tmp_path):
    from nbformat.v4 import new_code_cell, new_notebook

    from grader.preprocessors import GuardedExecute

    marker = tmp_path / "exit-hook-ran"
    hook = f"import atexit, pathlib\natexit.register(pathlib.Path({str(marker)!r}).touch)"

    def hook_ran(executor):
        executor.preprocess(new_notebook(cells=[new_code_cell(hook), new_code_cell("x = 1")]),
                            {"metadata": {"path": str(tmp_path)}})
        ran = marker.exists()
        marker.unlink(missing_ok=True)
        return ran

    assert hook_ran(GuardedExecute(timeout=30, shutdown_kernel="graceful"))  # a hook that runs is seen
    assert not hook_ran(GuardedExecute(timeout=30))  # grading's kernels are killed once every cell has run


def test_written_answers_waiting_for_a_grade_are_not_failures():
    from grader.results import CellResult, GradeResult

    result = GradeResult("a", "s", "graded", 2.0, 3.0, {
        "test": CellResult("test", 2.0, 2.0), "essay": CellResult("essay", 0.0, 1.0, manual=True)})
    assert result.failures == {} and result.autograded == (2.0, 2.0)
    assert GradeResult.from_json(result.to_json()) == result


def test_kernel_guard_module_catches_a_replaced_numpy_function():
    import numpy as np

    from grader.tamper import GUARD_SOURCE

    namespace = {}
    exec(compile(GUARD_SOURCE, "kernel_guard", "exec"), namespace)  # what the guard cell runs in the kernel
    guard = namespace["__cnnlab_guard_setup"](["len"], namespace)
    guard(namespace)  # nothing replaced yet
    original = np.allclose
    np.allclose = lambda *args, **kwargs: True
    try:
        with pytest.raises(Exception, match=r"replaced before this test ran: numpy\.allclose") as caught:
            guard(namespace)
        assert type(caught.value).__name__ == "TamperingDetected"
    finally:
        np.allclose = original
    namespace["len"] = lambda value: 3  # a builtin the tests use, rebound by the student
    with pytest.raises(Exception, match="replaced before this test ran: len"):
        guard(namespace)


def test_the_jupyter_client_adapter_fails_loudly_naming_the_version(monkeypatch):
    import jupyter_client

    from grader import _jupyter_client_adapter as adapter

    adapter.check_upstream()  # the installed jupyter_client still has what the grading kernels override
    monkeypatch.setattr(adapter, "PRIVATE_METHODS", ("_async_pre_start_kernel", "_gone_upstream"))
    with pytest.raises(ImportError, match=f"jupyter_client {jupyter_client.__version__} has no .*_gone_upstream"):
        adapter.check_upstream()


def test_collect_needs_a_source_or_the_exchange_and_says_so(tmp_path):
    import subprocess
    import sys

    from grader.config import REPO_ROOT, nbgrader_env

    def collect(*args):
        return subprocess.run([sys.executable, "-m", "grader", "collect", *args, "--course-dir", str(tmp_path / "c")],
                              cwd=REPO_ROOT, env=nbgrader_env(), capture_output=True, text=True, timeout=120)

    neither, both, unnamed = collect(), collect("x.zip", "--exchange", "03-padding-and-stride"), collect("x.zip")
    assert neither.returncode == both.returncode == unnamed.returncode == 2
    assert "collect needs either SOURCE with --assignment A, or --exchange A (not both)" in neither.stderr
    assert "SOURCE='x.zip', --exchange='03-padding-and-stride'" in both.stderr
    assert "collect x.zip needs --assignment A" in unnamed.stderr
