"""One convolution seen two more ways: as a matrix product, and as a product of spectra.

:func:`conv_matrix` writes the valid cross-correlation as a banded (1-D) or
doubly blocked Toeplitz (2-D) matrix, so that convolution is one matrix-vector
product; :func:`fft_convolve2d` computes the true convolution with the Fourier
transform. Both agree with :func:`cnnlab.conv.correlate2d` / ``convolve2d``.
"""

import numpy as np

from ._backend import import_torch, is_tensor, to_numpy
from ._validate import (
    as_float_array, as_like, check_choice, check_finite, check_kernel_fits, check_ndim, check_pair, describe,
)
from .padding import PADDING_STRINGS, resolve_padding


def conv_matrix(w, input_shape):
    """Convolution as a matrix product (the slides on modes, example E3).

    A 1-D kernel ``(w1, w2)`` on an input of length 4 gives the banded matrix
    ``[[w1, w2, 0, 0], [0, w1, w2, 0], [0, 0, w1, w2]]``; a 2-D kernel gives the
    doubly blocked Toeplitz matrix. Each kernel tap fills one diagonal band, so
    ``conv_matrix(w, x.shape) @ x.ravel() == correlate2d(x, w).ravel()``: the
    valid cross-correlation. For the true convolution pass the flipped kernel,
    ``conv_matrix(w[::-1, ::-1], x.shape)``.

    Parameters
    ----------
    w : array_like, shape (k,) or (kh, kw)
    input_shape : int or tuple, (n,) or (H, W)

    Returns
    -------
    matrix : ndarray, shape (n - k + 1, n) or (H_out * W_out, H * W)

    Examples
    --------
    >>> conv_matrix([1, 2], 4)
    array([[1., 2., 0., 0.],
           [0., 1., 2., 0.],
           [0., 0., 1., 2.]])
    """
    w = as_float_array(to_numpy(w), "w")
    check_ndim(w, "w", (1, 2), "(k,) or (kh, kw)")
    check_finite(w, "w")
    shape = (input_shape,) if np.ndim(input_shape) == 0 else tuple(input_shape)
    if len(shape) != w.ndim:
        expected = "(n,) or an int" if w.ndim == 1 else "(H, W)"
        raise ValueError(f"input_shape must be {expected} for the {w.ndim}-D kernel w, "
                         f"got {describe(input_shape)}")
    kernel = w.reshape((1,) * (2 - w.ndim) + w.shape)  # a 1-D kernel is one row
    height, width = check_pair((1,) * (2 - w.ndim) + shape, "input_shape", 1)
    check_kernel_fits((height, width), kernel.shape, (1, 1))
    out_h, out_w = height - kernel.shape[0] + 1, width - kernel.shape[1] + 1
    matrix = np.zeros((out_h * out_w, height * width), dtype=kernel.dtype)
    out_rows = np.arange(out_h * out_w)
    i, j = np.divmod(out_rows, out_w)  # the output pixel of each matrix row
    for u in range(kernel.shape[0]):
        for v in range(kernel.shape[1]):
            matrix[out_rows, (i + u) * width + j + v] = kernel[u, v]
    return matrix


def fft_convolve2d(x, w, mode="full"):
    """True 2-D convolution through the Fourier transform, as ``scipy.signal.fftconvolve``.

    Convolution is a product of spectra: ``x * w = IFFT(FFT(x) . FFT(w))`` once
    both are zero-padded to the full size ``(H + kh - 1, W + kw - 1)``. It costs
    O(HW log HW) whatever the kernel size, so it pays off for large kernels.

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (H, W)
    w : array_like, shape (kh, kw)
    mode : {'full', 'same', 'valid'}
        Centred as :func:`convolve2d` centres them.

    Returns
    -------
    out : same type and float dtype as ``x``

    Examples
    --------
    >>> fft_convolve2d(np.eye(2), [[1, 2], [3, 4]]).round(6)
    array([[1., 2., 0.],
           [3., 5., 2.],
           [0., 3., 4.]])
    """
    check_choice(mode, "mode", PADDING_STRINGS)
    x = as_float_array(x, "x")
    check_ndim(x, "x", (2,), "(H, W)")
    w = as_like(w, x, "w")
    check_ndim(w, "w", (2,), "(kh, kw)")
    (top, bottom), (left, right) = resolve_padding(mode, w.shape)
    check_kernel_fits((x.shape[0] + top + bottom, x.shape[1] + left + right), w.shape, (1, 1))
    size = (x.shape[0] + w.shape[0] - 1, x.shape[1] + w.shape[1] - 1)
    fft = import_torch().fft if is_tensor(x) else np.fft
    full = fft.irfft2(fft.rfft2(x, s=size) * fft.rfft2(w, s=size), s=size)
    # convolve2d's centring: the padding "same" puts top/left is resolve_padding's bottom/right
    first_h, first_w = w.shape[0] - 1 - bottom, w.shape[1] - 1 - right
    out_h = x.shape[0] + top + bottom - w.shape[0] + 1
    out_w = x.shape[1] + left + right - w.shape[1] + 1
    return full[first_h:first_h + out_h, first_w:first_w + out_w]


__all__ = ["conv_matrix", "fft_convolve2d"]
