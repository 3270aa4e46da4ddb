"""Sliding windows: the shared view behind fast convolution and pooling, and the pooling window checks.

A window view costs no copy: it is a NumPy view whose last two axes walk
through each (kh, kw) window and whose two axes before them walk through the
output positions. :func:`check_pool_args` validates a pooling window against
its input, once for ``cnnlab.pooling`` and its backward in ``cnnlab.backprop``.
"""

import numpy as np

from ._validate import as_float_array, check_ndim, check_pair, describe
from .shapes import pool_output_size


def sliding_windows(x, kernel_size, stride=(1, 1), dilation=(1, 1)):
    """Read-only view of all windows over the last two axes of ``x``.

    Parameters
    ----------
    x : ndarray, shape (..., H, W)
        Already padded.
    kernel_size, stride, dilation : (int, int)
        Checked pairs (callers validate).

    Returns
    -------
    windows : ndarray, shape (..., H_out, W_out, kh, kw)
        ``windows[..., i, j, :, :]`` is the window whose top-left input pixel
        is ``(i * sh, j * sw)``, with ``H_out = floor((H - d(k-1) - 1)/s) + 1``.

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> w = sliding_windows(x, (2, 2), stride=(2, 2))
    >>> w.shape
    (2, 2, 2, 2)
    >>> w[1, 0]
    array([[ 8,  9],
           [12, 13]])
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel_size, stride, dilation
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    windows = np.lib.stride_tricks.sliding_window_view(x, span, axis=(-2, -1))
    return windows[..., ::sh, ::sw, ::dh, ::dw]


def check_pool_args(x, kernel_size, stride, padding):
    """Validate and return ``(x, kernel, stride, padding, out_size)`` for a pooling call.

    ``x`` comes back as a float array (or tensor); ``stride`` defaults to the
    window; padding may be at most half the window (PyTorch's rule).

    Examples
    --------
    >>> x, kernel, stride, padding, out_size = check_pool_args(np.zeros((5, 7)), 3, None, 1)
    >>> kernel, stride, padding, out_size
    ((3, 3), (3, 3), (1, 1), (2, 3))
    >>> check_pool_args(np.zeros((5, 7)), 2, None, 2)
    Traceback (most recent call last):
    ...
    ValueError: padding must be at most half the window (PyTorch's rule), got padding 2 for a window height of 2; use padding <= 1
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x", (2, 3, 4), "(H, W), (C, H, W) or (N, C, H, W)")
    kernel = check_pair(kernel_size, "kernel_size", minimum=1)
    stride = kernel if stride is None else check_pair(stride, "stride", minimum=1)
    padding = check_pair(padding, "padding", minimum=0)
    for axis, k, p in zip(("height", "width"), kernel, padding):
        if 2 * p > k:
            raise ValueError(
                f"padding must be at most half the window (PyTorch's rule), got padding {p} "
                f"for a window {axis} of {k}; use padding <= {k // 2}"
            )
    out_size = []
    for axis, n, k, s, p in zip(("height", "width"), x.shape[-2:], kernel, stride, padding):
        if n + 2 * p < k:
            raise ValueError(
                f"window is larger than the padded input: kernel_size {axis} {k} > input "
                f"{axis} {n} + 2*padding {p} = {n + 2 * p} (x is {describe(x)})"
            )
        out_size.append(pool_output_size(n, k, s, p))
    return x, kernel, stride, padding, tuple(out_size)
