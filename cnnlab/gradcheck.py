"""Numerical gradient checking: is an analytic gradient right? (after CS231n's gradient_check.py)

Central differences approximate the gradient entry by entry::

    df/dx_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h

and the relative error ``|a - b| / max(|a| + |b|, eps)`` compares it with
the analytic one, e.g. from :func:`cnnlab.backprop.conv2d_backward`.
:func:`numerical_gradient` computes the approximation, :func:`rel_error` the
comparison, and :func:`gradient_check` returns both as a
:class:`GradientCheck` (numbers, no printing).
"""

from dataclasses import dataclass

import numpy as np

from ._backend import is_tensor, to_numpy
from ._validate import as_float_array, describe


def numerical_gradient(f, x, df=None, h=1e-5):
    """Central differences ``(f(x + h e_i) - f(x - h e_i)) / 2h`` for every entry i of ``x``.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x``; returns a scalar, or (with ``df``) an array.
    x : ndarray or torch.Tensor
        Where to differentiate; it is copied to float64 and never modified.
    df : array_like, optional
        Upstream gradient for an array-valued ``f`` (CS231n style): the result
        is then the gradient of ``sum(f(x) * df)``.
    h : float
        Step size.

    Returns
    -------
    grad : float64 ndarray or tensor, shape of ``x``

    Examples
    --------
    >>> numerical_gradient(lambda v: (v ** 2).sum(), np.array([1.0, -2.0]))
    array([ 2., -4.])
    """
    x = as_float_array(x, "x")
    x = x.detach().clone().double() if is_tensor(x) else x.astype(np.float64)
    grad = x.new_zeros(x.shape) if is_tensor(x) else np.zeros_like(x)
    for index in np.ndindex(tuple(x.shape)):
        original = float(x[index])
        x[index] = original + h
        plus = _as_scalar(f(x), df)
        x[index] = original - h
        minus = _as_scalar(f(x), df)
        x[index] = original
        grad[index] = (plus - minus) / (2 * h)
    return grad


def _as_scalar(value, df):
    """``value`` as a float: itself if scalar, else ``sum(value * df)``."""
    if df is not None:
        return float((value * df).sum())
    if getattr(value, "ndim", 0) and np.prod(tuple(value.shape)) != 1:
        raise ValueError(f"f must return a scalar when df is not given, got {describe(value)}; "
                         "pass the upstream gradient as df")
    return float(value)


def rel_error(a, b, eps=1e-8):
    """Largest relative difference ``max_i |a_i - b_i| / max(|a_i| + |b_i|, eps)``.

    Below about 1e-7 in float64 a gradient is almost certainly right.

    Examples
    --------
    >>> rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2]))
    0.047619...
    """
    return float(np.max(_relative_errors(a, b, eps)))


def _relative_errors(a, b, eps):
    a, b = (to_numpy(as_float_array(v, name)).astype(np.float64) for v, name in ((a, "a"), (b, "b")))
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {describe(a)} and {describe(b)}")
    return np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)


@dataclass(frozen=True, repr=False)
class GradientCheck:
    """Result of :func:`gradient_check`: numbers, no printing.

    Attributes
    ----------
    rel_error : float
        The largest relative error over all entries.
    worst_index : tuple of int
        Where it occurs.
    analytic, numeric : float
        The two gradient values at ``worst_index``.
    tol : float
        ``ok`` is ``rel_error <= tol``.
    """

    rel_error: float
    worst_index: tuple
    analytic: float
    numeric: float
    tol: float

    @property
    def ok(self):
        return self.rel_error <= self.tol

    def __repr__(self):
        return (f"GradientCheck(rel_error={self.rel_error:.2e}, worst_index={self.worst_index}, "
                f"analytic={self.analytic:.6g}, numeric={self.numeric:.6g}, ok={self.ok})")


def gradient_check(f, x, analytic, df=None, h=1e-5, tol=1e-7):
    """Compare an analytic gradient with :func:`numerical_gradient`.

    Parameters
    ----------
    f, x, df, h
        As in :func:`numerical_gradient`.
    analytic : array_like, shape of ``x``
        The gradient to check, e.g. ``dw`` from :func:`cnnlab.backprop.conv2d_backward`.
    tol : float
        Largest relative error accepted as correct.

    Returns
    -------
    GradientCheck

    Examples
    --------
    >>> x = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> gradient_check(lambda v: (v ** 3).sum(), x, 3 * x ** 2).ok
    True
    >>> gradient_check(lambda v: (v ** 3).sum(), x, 3 * x).worst_index
    (1, 1)
    """
    numeric = to_numpy(numerical_gradient(f, x, df=df, h=h))
    errors = _relative_errors(analytic, numeric, eps=1e-8)
    worst = np.unravel_index(np.argmax(errors), errors.shape)
    analytic = to_numpy(as_float_array(analytic, "analytic"))
    return GradientCheck(rel_error=float(errors[worst]), worst_index=tuple(int(i) for i in worst),
                         analytic=float(analytic[worst]), numeric=float(numeric[worst]), tol=tol)


__all__ = ["numerical_gradient", "rel_error", "gradient_check", "GradientCheck"]
