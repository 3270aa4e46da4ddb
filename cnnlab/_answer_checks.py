"""The general answer checks: type, shape, dtype, finite values, closeness, and calling the student's code.

Private: notebooks use them through :mod:`cnnlab.checks`, which also says what
every check promises (a message a student can act on, never the answer).
"""

import numpy as np

from ._backend import is_tensor, to_numpy
from ._failure import CheckFailed, ErrorInYourCode
from ._mismatch import diagnose
from ._validate import describe

_KINDS = {"float": "f", "int": "iu", "bool": "b", "complex": "c"}


def require(condition, message):
    """Fail with ``message``, shown as one block like every other check, unless ``condition`` holds.

    For what no other check covers (a count of layers, a loss that must go
    down).  Unlike ``assert``, it survives ``python -O`` and the student sees
    the message, not the check's source.

    Examples
    --------
    >>> require(3 > 2, "never shown")
    >>> require(len([1, 2]) == 3, "your list has 2 items, expected 3")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: your list has 2 items, expected 3
    """
    if not condition:
        raise CheckFailed(message)


def check_type(value, expected, name="your result"):
    """Raise :class:`CheckFailed` unless ``value`` is an instance of ``expected``.

    Parameters
    ----------
    value : object
        The student's answer.
    expected : type or tuple of types
        What it must be.
    name : str
        How the message refers to the answer.

    Examples
    --------
    >>> check_type([1, 2], np.ndarray, "pad(x)")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: pad(x) has the wrong type: got list, expected ndarray. Did you return the right variable?
    """
    if not isinstance(value, expected):
        names = " or ".join(t.__name__ for t in np.atleast_1d(np.array(expected, dtype=object)))
        raise CheckFailed(f"{name} has the wrong type: got {type(value).__name__}, expected {names}. "
                             "Did you return the right variable?")


def check_shape(value, shape, name="your result"):
    """Raise :class:`CheckFailed` unless ``value.shape == shape``, with a hint for the usual slips.

    The hints: a transposed result (axes reversed), an output one element too
    large or too small per axis (valid size is N-K+1), or a missing/extra axis.

    Examples
    --------
    >>> check_shape(np.zeros((5, 3)), (3, 5))
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: your result has the wrong shape: got (5, 3), expected (3, 5). Its axes are in the wrong order (transposed?).
    """
    actual, shape = tuple(np.shape(value)), tuple(shape)
    if actual == shape:
        return
    raise CheckFailed(f"{name} has the wrong shape: got {actual}, expected {shape}.{_shape_hint(actual, shape)}")


def _shape_hint(actual, shape):
    if len(actual) != len(shape):
        return f" It has {len(actual)} axes instead of {len(shape)}: check the layout (e.g. (N, C, H, W))."
    if sorted(actual) == sorted(shape):
        return " Its axes are in the wrong order (transposed?)."
    if len(set(actual)) == 1 < len(set(shape)) and actual[0] in shape:
        return (" All its axes have the same size: is every size computed from the same axis? The rows come from "
                "the height (shape[0]), the columns from the width (shape[1]).")
    diffs = {a - s for a, s in zip(actual, shape) if a != s}
    if diffs <= {1, -1}:
        return " Off by one in the output size: the valid output is N-K+1 per axis."
    if diffs <= {2, -2}:
        return " Off by two per axis: one pixel too many or too few on each side (the padding?)."
    return ""


def check_dtype(value, kind, name="your result"):
    """Raise :class:`CheckFailed` unless ``value``'s dtype is of ``kind``.

    Parameters
    ----------
    kind : {'float', 'int', 'bool', 'complex'}
        The expected kind of numbers.

    Examples
    --------
    >>> check_dtype(np.array([1, 2]), "float", "blur(x)")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: blur(x) has dtype int64, expected float numbers. Integer arithmetic truncates: compute in float.
    """
    dtype = np.asarray(value).dtype
    if dtype.kind not in _KINDS[kind]:
        hint = " Integer arithmetic truncates: compute in float." if kind == "float" else ""
        raise CheckFailed(f"{name} has dtype {dtype}, expected {kind} numbers.{hint}")


def check_finite(value, name="your result"):
    """Raise :class:`CheckFailed` if ``value`` holds NaN or infinity.

    Examples
    --------
    >>> check_finite(np.array([1.0, np.nan]), "mean_kernel(3)")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: mean_kernel(3) contains NaN or inf (1 of 2 values). Look for a division by zero or an uninitialised array (np.empty).
    """
    array = _as_numpy(value)
    bad = int(np.size(array) - np.isfinite(array).sum())
    if bad:
        raise CheckFailed(f"{name} contains NaN or inf ({bad} of {array.size} values). "
                             "Look for a division by zero or an uninitialised array (np.empty).")


def check_close(actual, expected, name="your result", *, rtol=1e-6, atol=1e-8, flipped=None, topic=None,
                variants=None):
    """Compare an array answer with the expected one; explain the first thing that is wrong.

    Checks, in order: type (array or tensor), shape, NaN, then values.  When the
    values differ it tells whether the result is the transpose of the expected
    one, equals ``flipped`` (the same operation with the kernel flipped), or
    differs only on the border; ``topic`` adds the hint that fits the
    exercise (a border slip means a padding mode only where padding is
    involved).  Expected values are never printed.

    Parameters
    ----------
    actual : array_like
        The student's answer (NumPy array or torch tensor).
    expected : array_like
        The reference answer.
    name : str
        How the message refers to the answer, e.g. ``"correlate(x, w)"``.
    rtol, atol : float
        Tolerances as in ``np.allclose``.
    flipped : array_like, optional
        The result of the same operation with a flipped kernel (correlation
        instead of convolution or the other way round).
    topic : {None, 'padding', 'max-pool-backward', 'avg-pool-backward'}
        What the answer computes, for the hint on wrong values: ``'padding'``
        points a border difference at the padding mode, the pooling-backward
        topics at how the gradient is routed and where windows overlap.
    variants : dict, optional
        Known mistakes, computed: ``{hint: what that mistake gives}``.  An
        answer equal to one of them gets its hint (tried in order, after
        ``flipped``; a mistake that changes the shape is named before the
        general shape message), e.g. ``{"sum over the batch, not only its first
        item": grad_of_first_item}``.

    Examples
    --------
    >>> x = np.arange(9.0).reshape(3, 3)
    >>> check_close(x.T, x)
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: your result has the right shape but wrong values: it is the transpose of the expected result. Check which axis is rows (H) and which is columns (W).
    Where it is wrong (X wrong, . right; 6 of 9 values):
    . X X
    X . X
    X X .
    >>> check_close(np.zeros((3, 3)), np.eye(3), "max_pool_backward(dout, x)", topic="max-pool-backward")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: max_pool_backward(dout, x) has the right shape but wrong values: it is all zeros: check that the values are written into it (out[i, j] = ...) and that it is the array you return. Max pooling backward: each output gradient goes to the position of the maximum of its window (the argmax), every other input gets 0, and where windows overlap the gradients add up (+=).
    Where it is wrong (X wrong, . right; 3 of 9 values):
    X . .
    . X .
    . . X
    """
    border_hint, values_hint = _topic_hints(topic)
    if not (isinstance(actual, np.ndarray) or is_tensor(actual)):
        check_type(actual, np.ndarray, name)
    actual, expected = _as_numpy(actual), _as_numpy(expected)
    variants = {hint: _as_numpy(variant) for hint, variant in (variants or {}).items()}
    if actual.shape != expected.shape:
        for hint, variant in variants.items():  # a known mistake that also changes the shape
            if variant.shape == actual.shape and np.allclose(actual, variant, rtol=rtol, atol=atol):
                raise CheckFailed(f"{name} has the wrong shape: got {actual.shape}, expected {expected.shape}: "
                                  f"{hint}")
    check_shape(actual, expected.shape, name)
    check_finite(actual, name)
    if np.allclose(actual, expected, rtol=rtol, atol=atol):
        return
    wrong = f"{name} has the right shape but wrong values"
    if flipped is not None and np.allclose(actual, _as_numpy(flipped), rtol=rtol, atol=atol):
        raise CheckFailed(f"{wrong}: it equals the result with the flipped kernel. Did you flip the kernel "
                          "where you should not (correlation), or forget to flip it (convolution)?")
    for hint, variant in variants.items():
        if variant.shape == actual.shape and np.allclose(actual, variant, rtol=rtol, atol=atol):
            raise CheckFailed(f"{wrong}: {hint}")
    found = diagnose(actual, expected, rtol=rtol, atol=atol)
    if found.pattern == "border":
        because = f"the inside is right but the border values differ. {border_hint}"
    elif found.pattern is not None:
        because = f"{found.hint}.{values_hint}"
    else:
        because = f"{found.count / found.wrong.size:.0%} of the values differ.{values_hint}"
    raise CheckFailed(f"{wrong}: {because}\n{_where(found)}", mismatch=found)


def _where(found):
    """The text map of wrong positions below a message (``X`` wrong, ``.`` right)."""
    where = f" in [{', '.join(map(str, found.where))}]" if found.where else ""
    return f"Where it is wrong{where} (X wrong, . right; {found.count} of {found.wrong.size} values):\n{found.grid}"


def check_outputs(actual, expected, names, name="your function", **close):
    """Check the several results of one call, e.g. ``(dx, dw, db)``: their number first, then each one.

    Parameters
    ----------
    actual : tuple or list
        What the student's function returned.
    expected : sequence
        The reference results, in the same order.
    names : sequence of str
        The results' names, e.g. ``("dx", "dw", "db")``.
    name : str
        How the messages refer to the call; each result is ``"<names[i]> of <name>"``.
    **close
        Passed on to :func:`check_close` (``rtol``, ``atol``, ``topic``); ``variants`` here maps a
        result's name to its known mistakes, e.g. ``{"dw": {"sum over the batch": dw_of_item_0}}``.

    Examples
    --------
    >>> dx, dw = np.zeros((2, 2)), np.ones(3)
    >>> check_outputs((dx, dw), (dx, dw, np.ones(1)), ("dx", "dw", "db"), "conv_backward(dout, x, w)")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: conv_backward(dout, x, w) returned 2 values, expected 3: (dx, dw, db). Is db missing?
    """
    names = tuple(names)
    if not isinstance(actual, (tuple, list)):
        raise CheckFailed(f"{name} must return {len(names)} values, ({', '.join(names)}), as a tuple; "
                          f"got {describe(actual)}.")
    if len(actual) != len(names):
        missing = names[len(actual):]
        why = f" Is {', '.join(missing)} missing?" if missing else " Return only these."
        raise CheckFailed(f"{name} returned {len(actual)} value{'s' * (len(actual) != 1)}, expected "
                          f"{len(names)}: ({', '.join(names)}).{why}")
    variants = close.pop("variants", None) or {}
    for label, mine, reference in zip(names, actual, expected):
        check_close(mine, reference, f"{label} of {name}", variants=variants.get(label), **close)


def call(func, *args, **kwargs):
    """Call the student's ``func``; an exception inside it is reported as theirs, with the input.

    Returns what ``func`` returns.  A :class:`CheckFailed` passes through; any
    other exception becomes :class:`ErrorInYourCode`, which names the call and
    its arguments and shows only the traceback of the student's code.

    Examples
    --------
    >>> def my_pad(x, p):
    ...     return x[p]
    >>> call(my_pad, np.zeros((2, 3)), 5)
    Traceback (most recent call last):
    ...
    cnnlab.checks.ErrorInYourCode: my_pad(a float64 array of shape (2, 3), int 5) raised IndexError: index 5 is out of bounds for axis 0 with size 2. This input must not raise: the error is in your code (traceback below).
    """
    try:
        return func(*args, **kwargs)
    except CheckFailed:
        raise
    except Exception as err:
        shown = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
        raise ErrorInYourCode(f"{getattr(func, '__name__', 'your function')}({', '.join(shown)})", err) from err


_BORDER_HINT = "Look at how the first and last rows and columns are computed."
_MAX_POOL_BACKWARD = ("Max pooling backward: each output gradient goes to the position of the maximum of its "
                      "window (the argmax), every other input gets 0, and where windows overlap the gradients "
                      "add up (+=).")
_AVG_POOL_BACKWARD = ("Average pooling backward: each output gradient is spread evenly over its window "
                      "(divided by the window's size), and where windows overlap the shares add up (+=).")
_LAST_WINDOWS = "Check that your loops reach the last row and column of windows. "
_TOPIC_HINTS = {  # topic -> (hint when only the border differs, hint for other wrong values)
    None: (_BORDER_HINT, ""),
    "padding": ("Check the padding mode (zeros, reflect, symmetric, replicate, circular).", ""),
    "max-pool-backward": (_LAST_WINDOWS + _MAX_POOL_BACKWARD, " " + _MAX_POOL_BACKWARD),
    "avg-pool-backward": (_LAST_WINDOWS + _AVG_POOL_BACKWARD, " " + _AVG_POOL_BACKWARD),
}


def _topic_hints(topic):
    if topic not in _TOPIC_HINTS:
        known = ", ".join(repr(t) for t in _TOPIC_HINTS)
        raise ValueError(f"topic must be one of {known}, got {topic!r}")
    return _TOPIC_HINTS[topic]


def _as_numpy(value):
    return np.asarray(to_numpy(value))
