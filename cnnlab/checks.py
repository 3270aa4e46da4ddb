"""Self-checks for notebook exercises: say what is wrong, never what the answer is.

Every check raises :class:`CheckFailed` (an ``AssertionError``, shown in Jupyter as its message
alone, see :mod:`cnnlab._failure`) with a message a student can act on
(wrong type, wrong shape with the expected shape, wrong dtype, NaN, a result
that is transposed, equals the correlation with the flipped kernel, is off by
one in size, or differs only at the border, with a hint fitting the topic) and
never prints the expected values.  :func:`check_count` checks whole numbers
(parameter counts) and names known slips; :func:`check_angles` compares angles
a full turn apart as equal and spots degrees, swapped ``atan2`` arguments, a
flipped sign and ``arctan(y / x)``.  :func:`forbid_calls` rejects a solution
that simply calls a library's implementation of the operation the exercise
asks for.

The checks live in two private modules (``_answer_checks``: type, shape,
values; ``_number_checks``: sizes, counts, angles, correlation) and
``forbid_calls`` in ``_forbid``; this module is the one place notebooks import
them from.

Examples
--------
>>> import numpy as np
>>> check_close(np.ones((3, 3)), np.ones((3, 3)))
>>> check_close(np.ones((4, 4)), np.ones((3, 3)), name="conv(x, w)")
Traceback (most recent call last):
...
cnnlab.checks.CheckFailed: conv(x, w) has the wrong shape: got (4, 4), expected (3, 3). Off by one in the output size: the valid output is N-K+1 per axis.
"""

from ._answer_checks import (
    call, check_close, check_dtype, check_finite, check_outputs, check_shape, check_type, require,
)
from ._failure import CheckFailed, ErrorInYourCode
from ._forbid import forbid_calls
from ._number_checks import check_angles, check_correlation, check_count, check_output_size

__all__ = ["CheckFailed", "ErrorInYourCode", "call", "require", "check_type", "check_shape", "check_dtype", "check_finite",
           "check_close", "check_outputs", "check_output_size", "check_count", "check_angles", "check_correlation",
           "forbid_calls"]
