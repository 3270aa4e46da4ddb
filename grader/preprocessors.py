"""Four small nbgrader preprocessors, wired into nbgrader's pipelines by :mod:`grader.pipelines`.

* :class:`GuardedExecute` is nbgrader's ``Execute`` with three guards: kernels
  start through :class:`LimitedKernelManager`, i.e. :func:`grader.execute.kernel_command` (limits),
  a kernel that dies (crash, ``os._exit``) fails the cell it was running and
  every later code cell instead of aborting the whole submission, and a cell's
  output is capped while it runs (a cell that prints 100 MB keeps a note).
  A kernel that has run every cell is killed, not asked to exit.
* :class:`TagRaisesException` runs last when nbgrader generates the student
  version: it tags every answer and test code cell ``raises-exception``, so
  that a student's Run All (JupyterLab, nbclient) goes on past an unanswered
  exercise instead of stopping at its first failing check. Grading is not
  affected: nbgrader runs with ``allow_errors`` and scores a failing test zero.
* :class:`RenderMath` turns the maths of markdown cells into MathML when the
  feedback is written, so that the feedback shows its formulas offline: the
  feedback template (``grader/templates/cnnlab_feedback``) loads no MathJax.
* :class:`HideHiddenTests` runs before the feedback HTML is written: it removes
  hidden-test regions from the test cells and cuts the tracebacks of their
  failures down to the exception message (nbgrader issues #917, #1363).
"""

import html
import re

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader import utils as nbgrader_utils
from nbgrader.preprocessors import ClearHiddenTests, Execute, NbGraderPreprocessor
from traitlets import Enum, Integer

from .kernels import LimitedKernelManager

KERNEL_DIED = "KernelDied"
OUTPUT_LIMIT_NOTE = "\n[grader: output truncated, this cell printed more than {} characters]\n"
HIDDEN_NOTE = "# (hidden tests are not shown in the feedback)"
RAISES_EXCEPTION = "raises-exception"  # the cell tag JupyterLab and nbclient honour: an error does not stop Run All


def _output_size(msg):
    content = msg.get("content", {})
    if msg.get("msg_type") == "stream":
        return len(content.get("text", ""))
    data = content.get("data", {})
    return sum(len(str(value)) for value in data.values()) + len(str(content.get("traceback", "")))


class GuardedExecute(Execute):
    """nbgrader's ``Execute`` that survives dead kernels and floods of output."""

    iopub_timeout = Integer(15, help="Seconds to wait for a cell's output after its reply.").tag(config=True)

    # A graceful shutdown first asks the kernel to exit, and ipykernel 7.4 then sometimes waits on its
    # already stopped output thread: jupyter_client waited 2.5 s before its SIGTERM, once in about 20
    # kernels here. Every output of every cell has arrived by then, and the grade needs nothing the
    # kernel does at exit (nor should a submission's atexit hook hold grading up): kill it at once.
    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate",
                           help="How a kernel that has run every cell is stopped.").tag(config=True)

    max_output_chars = Integer(
        1_000_000, help="Characters of output kept per cell; the rest is dropped with a note."
    ).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # nbgrader's Execute passes its kernel manager as a keyword, which beats config:
        # honour ``c.GuardedExecute.kernel_manager_class`` (or ``c.Execute...``) here, e.g. the sandbox's
        self.kernel_manager_class = self._configured("kernel_manager_class", LimitedKernelManager)
        self._died_in = None
        self._output_chars = {}

    def _configured(self, name, default):
        for section in ("GuardedExecute", "Execute", "ExecutePreprocessor", "NotebookClient"):
            if section in self.config and name in self.config[section]:
                return self.config[section][name]
        return default

    def preprocess(self, nb, resources=None, km=None):
        """Execute ``nb``; code cells after a kernel death get a ``KernelDied`` error."""
        self._died_in = None
        self._output_chars = {}
        return super().preprocess(nb, resources, km)

    def preprocess_cell(self, cell, resources, index):
        """Execute one cell, or fail it when the kernel has already died."""
        if cell.cell_type != "code":
            return cell, resources
        if self._died_in is not None:
            cell.outputs = [_error(f"not run: the kernel died while running cell {self._died_in}")]
            return cell, resources
        try:
            return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            self._died_in = index
            self.log.warning("The kernel died while running cell %d", index)
            cell.outputs.append(_error("the kernel died while running this cell (crash, os._exit or memory limit)"))
            return cell, resources
        except CellTimeoutError:  # the reply came, its output did not: fail the cell, go on
            cell.outputs.append(_error("the cell's output did not arrive in time", ename="CellTimeoutError"))
            return cell, resources

    def output(self, outs, msg, display_id, cell_index):
        """Keep output until the cell has printed ``max_output_chars``, then one note."""
        used = self._output_chars.get(cell_index, 0)
        self._output_chars[cell_index] = used + _output_size(msg)
        if self._output_chars[cell_index] <= self.max_output_chars or msg.get("msg_type") == "error":
            return super().output(outs, msg, display_id, cell_index)
        if used <= self.max_output_chars:
            note = new_output("stream", name="stderr", text=OUTPUT_LIMIT_NOTE.format(self.max_output_chars))
            outs.append(note)
        return None


def _error(message, ename=KERNEL_DIED):
    return new_output("error", ename=ename, evalue=message, traceback=[f"{ename}: {message}"])


class HideHiddenTests(ClearHiddenTests):
    """Remove hidden-test source and the tracebacks that would quote it; keep the messages."""

    def preprocess_cell(self, cell, resources, cell_index):
        """Strip one cell's hidden-test region; shorten its error outputs to ``ename: evalue``."""
        if cell.cell_type != "code":
            return cell, resources
        shown = cell.source
        cell, resources = super().preprocess_cell(cell, resources, cell_index)  # nbgrader's own removal
        if cell.source == shown:
            return cell, resources
        cell.source = cell.source.rstrip("\n") + "\n" + HIDDEN_NOTE
        for output in cell.get("outputs", []):
            if output.output_type == "error":
                message = output.evalue or "a hidden test failed"
                output.traceback = [f"{output.ename}: {message}"]
        return cell, resources


class TagRaisesException(NbGraderPreprocessor):
    """Tag answer and test code cells ``raises-exception``: an unanswered exercise stops no later cell.

    Examples
    --------
    >>> from nbformat.v4 import new_code_cell, new_notebook
    >>> test = new_code_cell("assert f() == 1", metadata={"nbgrader": {
    ...     "grade": True, "solution": False, "grade_id": "t", "points": 1}})
    >>> nb, _ = TagRaisesException().preprocess(new_notebook(cells=[test, new_code_cell("print(1)")]), {})
    >>> [cell.metadata.get("tags") for cell in nb.cells]
    [['raises-exception'], None]
    """

    def preprocess_cell(self, cell, resources, cell_index):
        """Tag one cell if it is an answer or test code cell."""
        if cell.cell_type == "code" and (nbgrader_utils.is_solution(cell) or nbgrader_utils.is_grade(cell)):
            tags = cell.metadata.setdefault("tags", [])
            if RAISES_EXCEPTION not in tags:
                tags.append(RAISES_EXCEPTION)
        return cell, resources


CODE_SPANS = re.compile(r"(```.*?```|`[^`\n]*`)", re.S)
MATH = re.compile(r"(?<!\\)(\$\$.+?\$\$|\$[^$\n]+?\$)", re.S)


def math_to_mathml(markdown):
    """``markdown`` with its ``$...$`` and ``$$...$$`` maths as MathML (code spans untouched).

    Maths that latex2mathml cannot read stays as it was.

    Examples
    --------
    >>> out = math_to_mathml("size $N - F + 1$, code `$x$`")
    >>> out.startswith('size <math') and out.endswith("code `$x$`")
    True
    >>> 'display="block"' in math_to_mathml("$$y = x$$")
    True
    """
    parts = CODE_SPANS.split(markdown)
    for index in range(0, len(parts), 2):  # odd parts are code spans
        parts[index] = MATH.sub(_mathml, parts[index])
    return "".join(parts)


def _mathml(match):
    from latex2mathml.converter import convert

    text = match.group(0)
    block = text.startswith("$$")
    try:
        return convert(text[2:-2] if block else text[1:-1], display="block" if block else "inline")
    except Exception:  # latex2mathml raises many kinds; an unreadable formula stays as typed
        return html.escape(text)


class RenderMath(NbGraderPreprocessor):
    """Turn the maths of markdown cells into MathML, for feedback that shows its formulas offline."""

    def preprocess_cell(self, cell, resources, cell_index):
        """Rewrite one markdown cell's maths."""
        if cell.cell_type == "markdown":
            cell.source = math_to_mathml(cell.source)
        return cell, resources
