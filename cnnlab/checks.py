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

Examples
--------
>>> import numpy as np
>>> check_close(np.ones((3, 3)), np.ones((3, 3)))
>>> check_close(np.ones((4, 4)), np.ones((3, 3)), name="conv(x, w)")
Traceback (most recent call last):
...
cnnlab.checks.CheckFailed: conv(x, w) has the wrong shape: got (4, 4), expected (3, 3). Off by one in the output size: the valid output is N-K+1 per axis.
"""

import numpy as np

from ._backend import is_tensor
from ._failure import CheckFailed, ErrorInYourCode
from ._forbid import forbid_calls
from ._mismatch import diagnose
from ._validate import describe

__all__ = ["CheckFailed", "ErrorInYourCode", "call", "require", "check_type", "check_shape", "check_dtype", "check_finite",
           "check_close", "check_outputs", "check_output_size", "check_count", "check_angles", "check_correlation",
           "forbid_calls"]

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


def check_output_size(actual, n, k, *, padding=0, stride=1, name="your output size"):
    """Check an answer for the output size floor((N + 2P - K) / S) + 1 along one axis.

    Examples
    --------
    >>> check_output_size(5, 7, 3)
    >>> check_output_size(4, 5, 3)
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: your output size is off by one: the valid output is N-K+1 (with padding P and stride S: floor((N + 2P - K) / S) + 1).
    """
    expected = (n + 2 * padding - k) // stride + 1
    if not isinstance(actual, (int, np.integer)) or isinstance(actual, bool):
        raise CheckFailed(f"{name} must be an int, got {describe(actual)}. Sizes are whole numbers: use // .")
    if actual == expected:
        return
    formula = ("the valid output is N-K+1 (with padding P and stride S: floor((N + 2P - K) / S) + 1)"
               if (padding, stride) == (0, 1) else
               f"with padding P = {padding} and stride S = {stride} the output is floor((N + 2P - K) / S) + 1")
    if abs(actual - expected) == 1:
        raise CheckFailed(f"{name} is off by one: {formula}.")
    if stride > 1 and actual == n + 2 * padding - k + 1:
        raise CheckFailed(f"{name} ignores the stride: {formula}.")
    raise CheckFailed(f"{name} is wrong: use floor((N + 2P - K) / S) + 1.")


def check_count(actual, expected, name="your count", *, hint=None, known=None):
    """Check a whole-number answer (parameters, layers, windows) without printing the right number.

    The message repeats the student's number, says whether it is too large or
    too small, and adds ``hint``, or the hint of a known slip that gives
    exactly that number.

    Parameters
    ----------
    actual : int
        The student's answer.
    expected : int
        The right count.
    name : str
        How the message refers to the answer, e.g. ``"conv_weights(3, 2, 4)"``.
    hint : str, optional
        What to count; by default a general remark on counting too much or too little.
    known : dict, optional
        Counts that typical slips give, each with its own hint, e.g. the
        count without biases: ``{conv_params(3, 2, 4, bias=False): "add one bias per filter"}``.

    Examples
    --------
    >>> check_count(76, 76)
    >>> check_count(72, 76, "conv_weights(3, 2, 4)", known={72: "add one bias per filter"})
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: conv_weights(3, 2, 4) is 72, which is too small: add one bias per filter.
    >>> check_count(80, 76, "conv_weights(3, 2, 4)")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: conv_weights(3, 2, 4) is 80, which is too large: it counts something that is not there, or something twice.
    """
    if not isinstance(actual, (int, np.integer)) or isinstance(actual, bool):
        raise CheckFailed(f"{name} must be an int, got {describe(actual)}. Counts are whole numbers: "
                             "use // and int(), not / .")
    if actual == expected:
        return
    slips = {} if known is None else {count: why for count, why in known.items() if count != expected}
    direction = "too large" if actual > expected else "too small"
    default = ("it counts something that is not there, or something twice" if actual > expected
               else "it leaves out part of what is counted")
    why = slips.get(actual, default if hint is None else hint)
    raise CheckFailed(f"{name} is {actual}, which is {direction}: {why}.")


def check_angles(actual, expected, name="your angles", *, y="y", x="x", atol=1e-7):
    """Compare angles in radians, a full turn apart counting as equal; spot the usual slips.

    The slips: degrees instead of radians, ``arctan2(x, y)`` (arguments
    swapped), the wrong sign, a quarter turn off (the direction along the edge
    instead of across it), and ``arctan(y / x)`` (half a turn off where
    ``x < 0``: the quadrant is lost).  A slip is named only where the input
    tells it apart from the others: on angles of 0 and pi alone, a swap and a
    quarter turn look the same, and the message says so.

    Parameters
    ----------
    actual : array_like
        The student's angles.
    expected : array_like
        The reference, ``np.arctan2(y, x)``, where the direction is defined.
    name : str
        How the message refers to the answer.
    y, x : str
        How the messages name the two components, e.g. ``y="gy", x="gx"``.
    atol : float
        Tolerance in radians.

    Examples
    --------
    >>> gy, gx = np.array([1.0, -1.0, 2.0]), np.array([-1.0, -2.0, 0.5])
    >>> check_angles(np.arctan2(gy, gx) + 2 * np.pi, np.arctan2(gy, gx))
    >>> check_angles(np.arctan2(gx, gy), np.arctan2(gy, gx), "direction(image)", y="gy", x="gx")
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: direction(image) looks like np.arctan2(gx, gy): the arguments are swapped. atan2 takes the y component first: np.arctan2(gy, gx).
    """
    actual = _as_numpy(actual).astype(float)
    expected = _as_numpy(expected).astype(float)
    check_shape(actual, expected.shape, name)
    check_finite(actual, name)
    if _same_angles(actual, expected, atol):
        return
    if _same_angles(np.radians(actual), expected, atol):
        raise CheckFailed(f"{name} looks like degrees: the angles must be in radians "
                             "(np.arctan2 gives radians; no np.degrees).")
    fits = [message for slip, message in _angle_slips(expected, y, x) if _same_angles(actual, slip, atol)]
    if len(fits) == 1:
        raise CheckFailed(f"{name} {fits[0]}")
    if fits:  # an input whose angles cannot tell these slips apart (e.g. all angles 0 or pi)
        raise CheckFailed(f"{name} has the right shape but wrong values; on this input it could be any of: "
                          + " Or: ".join(f"it {message}" for message in fits))
    share = np.mean(~_equal_angles(actual, expected, atol))
    raise CheckFailed(f"{name} has the right shape but wrong values: {share:.0%} of the angles differ "
                         "(angles a full turn, 2 pi, apart count as equal).")


def _angle_slips(expected, y, x):
    yield (np.pi / 2 - expected,
           f"looks like np.arctan2({x}, {y}): the arguments are swapped. atan2 takes the y component first: "
           f"np.arctan2({y}, {x}).")
    yield (-expected, f"has the wrong sign (the angles are mirrored): check the sign of {y} and of {x}.")
    yield (expected + np.pi / 2, f"is a quarter turn (pi/2) ahead: that is the direction along the edge; the "
                                 f"gradient points across it, np.arctan2({y}, {x}).")
    yield (expected - np.pi / 2, f"is a quarter turn (pi/2) behind: that is the direction along the edge; the "
                                 f"gradient points across it, np.arctan2({y}, {x}).")
    yield (np.arctan(np.tan(expected)),
           f"looks like arctan({y} / {x}): that loses the quadrant (the signs of {x} and {y}) and divides by "
           f"zero where {x} = 0; use np.arctan2({y}, {x}).")


def _equal_angles(actual, expected, atol):
    return np.abs(np.angle(np.exp(1j * (actual - expected)))) <= atol


def _same_angles(actual, expected, atol):
    return bool(np.all(_equal_angles(actual, expected, atol)))


def check_correlation(actual, x, w, *, mode="valid", convolve=False, name="your result", variants=None):
    """Check a 2-D correlation (or, with ``convolve=True``, convolution) of ``x`` with ``w``.

    The reference is the lecture formula out[i, j] = sum_m sum_n x[i+m, j+n] w[m, n]
    for ``mode="valid"`` (computed on NumPy windows) and SciPy's
    ``correlate2d`` / ``convolve2d`` for ``"same"`` and ``"full"``; a result
    equal to the other operation gets the flipped-kernel hint; ``variants``
    (``{hint: result of that mistake}``) as in :func:`check_close`.

    Examples
    --------
    >>> x, w = np.arange(16.0).reshape(4, 4), np.array([[1.0, 0.0], [0.0, -1.0]])
    >>> check_correlation(np.full((3, 3), -5.0), x, w)
    >>> check_correlation(np.full((3, 3), 5.0), x, w)
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: your result has the right shape but wrong values: it equals the result with the flipped kernel. Did you flip the kernel where you should not (correlation), or forget to flip it (convolution)?
    """
    x, w = _as_numpy(x).astype(float), _as_numpy(w).astype(float)
    correlation = _correlate(x, w, mode)
    convolution = _correlate(x, w[::-1, ::-1], mode) if mode == "valid" else _scipy_convolve(x, w, mode)
    expected, other = (convolution, correlation) if convolve else (correlation, convolution)
    flipped = None if np.allclose(expected, other) else other
    check_close(actual, expected, name, flipped=flipped, topic=None if mode == "valid" else "padding",
                variants=variants)


def _correlate(x, w, mode):
    if mode != "valid":
        from scipy.signal import correlate2d

        return correlate2d(x, w, mode=mode)
    windows = np.lib.stride_tricks.sliding_window_view(x, w.shape)
    return np.einsum("ijmn,mn->ij", windows, w)


def _scipy_convolve(x, w, mode):
    from scipy.signal import convolve2d

    return convolve2d(x, w, mode=mode)


def _as_numpy(value):
    if is_tensor(value):
        return value.detach().cpu().numpy()
    return np.asarray(value)
