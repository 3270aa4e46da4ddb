"""Checks of numbers and of one operation: an output size, a count, angles, a 2-D correlation.

Private: notebooks use them through :mod:`cnnlab.checks`.
"""

import numpy as np

from ._answer_checks import check_close, check_finite, check_shape
from ._backend import to_numpy
from ._failure import CheckFailed
from ._validate import describe


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
    actual = _array(actual)
    expected = _array(expected)
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
    x, w = _array(x), _array(w)
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


def _array(value):
    return np.asarray(to_numpy(value), dtype=float)
