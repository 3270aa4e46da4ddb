"""Pooling: summarize each window of a feature map by its largest value or its mean.

For every channel separately, a ``kernel_size`` window slides with ``stride``
(default: the window size, so windows do not overlap, as in PyTorch and
Keras) and is replaced by one number::

    out[n, c, i, j] = max / mean of x_padded[n, c, i*sh : i*sh + kh, j*sw : j*sw + kw]
    H_out = floor((H + 2P - kh)/sh) + 1          (the notes' (W - F)/S + 1 with P = 0)

Pooling has no weights, keeps the number of channels, and makes the output
insensitive to small shifts of the input.

PyTorch's rules are followed exactly, so results match ``F.max_pool2d`` and
``F.avg_pool2d``: padding is at most half the window; max pooling pads with
``-inf`` (padding never wins); average pooling pads with zeros and always
divides by ``kh*kw`` (torch's default ``count_include_pad=True``), so windows
that hang over the border are pulled towards zero.

Inputs may be (H, W), (C, H, W) or (N, C, H, W). NumPy in gives NumPy out;
a ``torch.Tensor`` goes to ``F.max_pool2d`` / ``F.avg_pool2d`` on its device.
"""

import numpy as np

from ._backend import is_tensor
from ._validate import as_float_array, check_choice, check_ndim
from ._windows import check_pool_args, sliding_windows

IMPLS = ("fast", "naive")


def _as_nchw(x):
    """View ``x`` as (N, C, H, W), remembering how many leading axes to drop again."""
    return x.reshape((1,) * (4 - x.ndim) + tuple(x.shape)), x.ndim


def _pad(x, padding, value):
    (ph, pw) = padding
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _pool_naive(x, kernel, stride, out_size, reduce):
    """The lecture's definition written out: one window at a time."""
    (kh, kw), (sh, sw) = kernel, stride
    batch, channels = x.shape[:2]
    out = np.empty((batch, channels) + out_size, dtype=x.dtype)
    for n in range(batch):
        for c in range(channels):
            for i in range(out_size[0]):
                for j in range(out_size[1]):
                    window = x[n, c, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[n, c, i, j] = reduce(window)
    return out


def _pool_fast(x, kernel, stride, out_size, reduce):
    """All windows at once through a zero-copy window view."""
    return reduce(sliding_windows(x, kernel, stride), axis=(-2, -1))


def _pool(x, kernel_size, stride, padding, impl, kind):
    """Shared body of max and average pooling (NumPy and torch)."""
    x, kernel, stride, padding, out_size = check_pool_args(x, kernel_size, stride, padding)
    check_choice(impl, "impl", IMPLS)
    if is_tensor(x):
        return _pool_torch(x, kernel, stride, padding, kind)
    batched, ndim = _as_nchw(x)
    fill = -np.inf if kind == "max" else 0.0
    padded = _pad(batched, padding, fill)
    reduce = np.max if kind == "max" else np.mean
    pool = _pool_fast if impl == "fast" else _pool_naive
    out = pool(padded, kernel, stride, out_size, reduce).astype(x.dtype, copy=False)
    return out.reshape(x.shape[:-2] + out_size)


def _pool_torch(x, kernel, stride, padding, kind):
    import torch.nn.functional as F

    op = F.max_pool2d if kind == "max" else F.avg_pool2d
    batched = x.unsqueeze(0) if x.ndim == 2 else x
    out = op(batched, kernel, stride, padding)
    return out.squeeze(0) if x.ndim == 2 else out


def max_pool2d(x, kernel_size=2, stride=None, padding=0, *, impl="fast"):
    """Max pooling: the largest value of each window, per channel.

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (H, W), (C, H, W) or (N, C, H, W)
    kernel_size : int or (kh, kw)
        Window size ``F``.
    stride : int or (sh, sw), optional
        Defaults to ``kernel_size`` (non-overlapping windows), as in PyTorch.
    padding : int or (ph, pw)
        At most half the window; padded positions hold ``-inf`` and never win.
    impl : {'fast', 'naive'}
        NumPy only: ``'naive'`` loops over every window (the definition),
        ``'fast'`` reduces a sliding-window view. Tensors always use
        ``torch.nn.functional.max_pool2d``.

    Returns
    -------
    out : same type as ``x``, shape (..., H_out, W_out)
        ``H_out = floor((H + 2P - kh)/sh) + 1``, likewise ``W_out``.

    Examples
    --------
    >>> x = np.array([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]])
    >>> max_pool2d(x, 2)
    array([[6., 9.],
           [3., 4.]])
    >>> max_pool2d(x, 3, stride=1, impl="naive")
    array([[7., 9.],
           [7., 9.]])
    """
    return _pool(x, kernel_size, stride, padding, impl, "max")


def avg_pool2d(x, kernel_size=2, stride=None, padding=0, *, impl="fast"):
    """Average pooling: the mean of each window, per channel.

    Same parameters as :func:`max_pool2d`. Padded positions count as zeros and
    the divisor is always ``kh*kw`` (PyTorch's default ``count_include_pad=True``).

    Examples
    --------
    >>> x = np.array([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]])
    >>> avg_pool2d(x, 2)
    array([[2.5 , 6.  ],
           [1.75, 3.  ]])
    >>> avg_pool2d(np.ones((2, 2)), 2, stride=1, padding=1)  # zeros pull the border down
    array([[0.25, 0.5 , 0.25],
           [0.5 , 1.  , 0.5 ],
           [0.25, 0.5 , 0.25]])
    """
    return _pool(x, kernel_size, stride, padding, impl, "avg")


def global_avg_pool2d(x):
    """Mean of each whole feature map: (..., H, W) -> (...), e.g. (N, C, H, W) -> (N, C).

    The pooling of Keras' ``GlobalAveragePooling2D`` (PyTorch:
    ``F.adaptive_avg_pool2d(x, 1)`` without the two size-1 axes).

    Examples
    --------
    >>> global_avg_pool2d(np.arange(8).reshape(2, 2, 2))
    array([1.5, 5.5])
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x", (2, 3, 4), "(H, W), (C, H, W) or (N, C, H, W)")
    if is_tensor(x):
        return x.mean(dim=(-2, -1))
    return x.mean(axis=(-2, -1))


__all__ = ["max_pool2d", "avg_pool2d", "global_avg_pool2d"]
