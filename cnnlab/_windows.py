"""Sliding windows: the shared view behind fast convolution and pooling.

A window view costs no copy: it is a NumPy view whose last two axes walk
through each (kh, kw) window and whose two axes before them walk through the
output positions.
"""

import numpy as np


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
