"""Lecture-size convolution: the whole im2col matrix in one indexing step.

For a small input the fixed cost of each NumPy call outweighs the arithmetic,
so the fast path's many copies (one per kernel tap and chunk, see
:mod:`cnnlab._im2col`) cost more than the matrix product. Here one integer
index array, computed once per geometry and cached, says which input pixel
each entry of the column matrix holds; zero padding reads a zero stored just
past the image. Building the columns is then one fancy-indexing copy.
"""

import functools

import numpy as np

SMALL_COLUMNS = 1 << 14  # column-matrix entries (all images) up to which the gather runs


def output_length(padded, kernel, stride, dilation):
    """Output length along one axis of an already padded, already checked input: ``floor((N - d(F - 1) - 1) / S) + 1``.

    :func:`cnnlab.shapes.conv_output_size` without its checks, which cost more
    than a lecture-size convolution.

    Examples
    --------
    >>> output_length(7, 3, 2, 1), output_length(7, 3, 1, 2)
    (3, 3)
    """
    return (padded - dilation * (kernel - 1) - 1) // stride + 1


@functools.lru_cache(maxsize=64)
def gather_index(size, kernel, pads, stride, dilation, flip=False):
    """``index[t, p]``: the flat input pixel that kernel tap ``t`` reads for output pixel ``p``.

    Taps and output pixels are in row-major order; a tap that lands in the
    padding reads index ``H * W``, one past the image (a zero). With ``flip``
    the taps come in reverse order, which mirrors the kernel (a true
    convolution, without copying the kernel). The array is read-only: it is
    shared by every call with the same geometry.

    Parameters
    ----------
    size, kernel, stride, dilation : (int, int)
        Input (H, W), kernel (kh, kw), both checked.
    pads : ((top, bottom), (left, right))

    Examples
    --------
    >>> gather_index((3, 3), (2, 2), ((0, 0), (0, 0)), (1, 1), (1, 1))
    array([[0, 1, 3, 4],
           [1, 2, 4, 5],
           [3, 4, 6, 7],
           [4, 5, 7, 8]])
    >>> gather_index((2, 2), (1, 2), ((0, 0), (1, 0)), (1, 2), (1, 1))  # left padding reads index 4
    array([[4, 4],
           [0, 2]])
    """
    (height, width), (kh, kw), ((top, bottom), (left, right)) = size, kernel, pads
    (sh, sw), (dh, dw) = stride, dilation
    out_h, out_w = output_length(height + top + bottom, kh, sh, dh), output_length(width + left + right, kw, sw, dw)
    rows = (np.arange(kh)[:, None] * dh + np.arange(out_h)[None, :] * sh - top)[:, None, :, None]
    cols = (np.arange(kw)[:, None] * dw + np.arange(out_w)[None, :] * sw - left)[None, :, None, :]
    inside = (rows >= 0) & (rows < height) & (cols >= 0) & (cols < width)
    index = np.where(inside, rows * width + cols, height * width).reshape(kh * kw, out_h * out_w)
    if flip:
        index = index[::-1].copy()
    index.setflags(write=False)
    return index


def correlate_gather(x, w, b, pads, stride, dilation, groups):
    """Cross-correlate an (N, C, H, W) NumPy batch with zero padding: gather, then one matrix product.

    Same arguments (checked) and result as ``cnnlab.conv._correlate_fast``.

    Examples
    --------
    >>> x, w = np.arange(9.0).reshape(1, 1, 3, 3), np.ones((1, 1, 2, 2))
    >>> correlate_gather(x, w, np.array([1.0]), ((0, 0), (0, 0)), (1, 1), (1, 1), 1)
    array([[[[ 9., 13.],
             [21., 25.]]]])
    """
    n_images, channels, height, width = x.shape
    kernels, (kh, kw) = w.shape[0], w.shape[-2:]
    index = gather_index((height, width), (kh, kw), pads, stride, dilation)
    flat = x.reshape(n_images, channels, -1)
    if pads != ((0, 0), (0, 0)):
        flat = np.zeros((n_images, channels, height * width + 1), dtype=x.dtype)  # the last entry is the zero
        flat[..., :-1] = x.reshape(n_images, channels, -1)
    cols = flat.take(index, axis=-1).reshape(n_images, groups, -1, index.shape[1])
    weights = w.reshape(groups, kernels // groups, -1)
    # one image, one group: the 2-D product skips matmul's broadcasting (a third of its cost here)
    out = np.dot(weights[0], cols[0, 0]) if cols.shape[:2] == (1, 1) else np.matmul(weights, cols)
    if b is not None:
        out += b.reshape(out.shape[-3:-1] + (1,))  # (groups, K/groups, 1), or (K, 1) after the 2-D product
    out_h = output_length(height + sum(pads[0]), kh, stride[0], dilation[0])
    return out.reshape(n_images, kernels, out_h, -1)


def correlate2d_gather(x, w, pads, stride, dilation, flip=False):
    """:func:`correlate_gather` for one 2-D array and one 2-D kernel, without the batch and channel axes.

    ``flip`` mirrors the kernel (true convolution).

    Examples
    --------
    >>> correlate2d_gather(np.arange(9.0).reshape(3, 3), np.ones((2, 2)), ((0, 0), (0, 0)), (1, 1), (1, 1))
    array([[ 8., 12.],
           [20., 24.]])
    """
    (height, width), (kh, kw) = x.shape, w.shape
    index = gather_index((height, width), (kh, kw), pads, stride, dilation, flip)
    flat = x.ravel()
    if pads != ((0, 0), (0, 0)):
        flat = np.zeros(height * width + 1, dtype=x.dtype)  # the last entry is the zero
        flat[:-1] = x.ravel()
    out = np.dot(w.ravel(), flat.take(index))  # np.dot: less fixed cost than @ on tiny arrays
    out_h = output_length(height + sum(pads[0]), kh, stride[0], dilation[0])
    return out.reshape(out_h, -1)
