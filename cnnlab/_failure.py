"""How a failed self-check reaches the student: a message, not a traceback into cnnlab.

:class:`CheckFailed` is the ``AssertionError`` every check of
:mod:`cnnlab.checks` raises.  In Jupyter (IPython) it is shown as one block,
its message (and the map of wrong positions, where there is one), through
IPython's ``_render_traceback_`` hook: the student does not see the check's
own code, which computes the expected answer.  nbgrader still sees an error
in the cell, so the test's points are lost, and the feedback shows the same
block.

:class:`ErrorInYourCode` wraps an exception raised inside the student's own
function (see :func:`cnnlab.checks.call`): it says which call raised it, with
what input, and keeps the traceback of the student's code only.

Examples
--------
>>> failure = CheckFailed("pad(x) has the wrong shape")
>>> isinstance(failure, AssertionError), failure._render_traceback_()[1]
(True, 'pad(x) has the wrong shape')
"""

import traceback

HEADLINE = "\x1b[1;31mCheck failed\x1b[0m"


class CheckFailed(AssertionError):
    """A self-check's verdict on an answer: shown as its message alone.

    ``mismatch`` (a :class:`cnnlab._mismatch.Mismatch`), when the answer has
    wrong values, is also drawn as a picture in Jupyter, above the message.
    """

    def __init__(self, message, mismatch=None):
        super().__init__(message)
        self.mismatch = mismatch

    def _render_traceback_(self):
        """The lines IPython shows instead of a traceback (and the picture of the wrong positions)."""
        if self.mismatch is not None and not getattr(self, "_drawn", False):
            self._drawn = True  # IPython may render a traceback again later: one picture
            _show_html(self.mismatch.html())
        return [HEADLINE, *str(self).splitlines()]


CheckFailed.__module__ = "cnnlab.checks"  # where students meet it (tracebacks, doctests)


def _show_html(markup):
    try:
        from IPython.display import HTML, display

        display(HTML(markup))
    except Exception:  # no IPython display here: the text map in the message says the same
        pass


class ErrorInYourCode(Exception):
    """An exception raised inside the student's function, reported as theirs, with the call's input.

    Parameters
    ----------
    call : str
        The call that raised, e.g. ``"pad(an float64 array of shape (4, 5), 1, 'reflect')"``.
    error : BaseException
        What the student's code raised (also the ``__cause__``).
    """

    def __init__(self, call, error):
        message = f"{call} raised {type(error).__name__}: {error}".rstrip(": ")
        super().__init__(f"{message}. This input must not raise: the error is in your code (traceback below).")
        self.call, self.error = call, error

    def _render_traceback_(self):
        """The message, then the traceback of the student's code (without the check's frame)."""
        tb = self.error.__traceback__
        frames = traceback.format_exception(type(self.error), self.error, tb.tb_next if tb else None)
        return ["\x1b[1;31mError in your code\x1b[0m", str(self), "", *"".join(frames).rstrip().splitlines()]


ErrorInYourCode.__module__ = "cnnlab.checks"
