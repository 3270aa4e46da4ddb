"""Convolution and cross-correlation: the operation every CNN layer is built on.

Two operations, one flip apart:

* cross-correlation, what every framework calls "convolution" in a layer:
  ``out[i, j] = sum_u sum_v x[i + u, j + v] * w[u, v]``;
* true convolution (the Rosenheim lecture and the slides on modes), the same with the kernel mirrored:
  ``f'(x, y) = sum_i sum_j f(x - i, y - j) g(i, j)``, so that
  ``convolve2d(x, w) == correlate2d(x, w[::-1, ::-1])``.

:func:`correlate2d` and :func:`convolve2d` work on one 2-D array with SciPy's
modes (valid, same, full) and boundaries; :func:`conv1d` and :func:`conv2d` are
the layer versions on batches (N, C, L) and (N, C, H, W), like
``torch.nn.functional``. The same convolution as a matrix product and through
the Fourier transform is in :mod:`cnnlab.conv_views`.

Output size along each axis (input N, kernel F, padding P, stride S, dilation d)::

    floor((N + 2P - d(F - 1) - 1) / S) + 1

Dilation ``d=1`` means no gaps (PyTorch's convention; CS231n calls it "dilation 0").
Every function takes ``impl="naive"`` (the formula, one output pixel at a time)
or ``impl="fast"`` (im2col and one matrix product, the default); a
``torch.Tensor`` input runs on torch and comes back as a tensor on its device.
"""

import numpy as np

from ._backend import is_tensor
from ._gather import SMALL_COLUMNS, correlate2d_gather, correlate_gather, output_length
from ._im2col import band_rows, chunk_images, column_copies, flat_phases, phase_shape, phase_taps, work_buffer
from ._validate import (
    as_float_array, as_like, check_choice, check_int, check_kernel_fits, check_ndim, check_pair, describe,
    layer_arrays, renamed_arguments,
)
from .padding import PADDING_STRINGS, canonical_mode, pad2d, resolve_padding
from .shapes import conv_output_size
from .vocabulary import IMPLS

MODES = PADDING_STRINGS  # SciPy's word for the output size: valid, same, full


@renamed_arguments(boundary="padding_mode")
def correlate2d(x, w, mode="valid", *, stride=1, dilation=1, padding_mode="zeros", impl="fast"):
    """2-D cross-correlation of one array with one kernel, as ``scipy.signal.correlate2d``.

    ``out[i, j] = sum_u sum_v x[i*s + u*d, j*s + v*d] * w[u, v]`` on the padded input:
    what a conv layer computes (no kernel flip).

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (H, W)
        Integer images are computed in float, so ``uint8`` never overflows.
    w : array_like, shape (kh, kw)
        The kernel (odd or even sizes).
    mode : {'valid', 'same', 'full'}
        Output size ``H - kh + 1``, ``H`` or ``H + kh - 1`` (for stride 1). In
        ``"same"`` an even kernel gets its extra padding row/column at the
        bottom/right, as SciPy and torch do.
    stride : int or (sh, sw)
        Keep every s-th position of the stride-1 result (as a strided layer does).
    dilation : int or (dh, dw)
        Gaps between kernel taps; the result equals SciPy's with the dilated kernel.
    padding_mode : {'zeros', 'circular', 'symmetric', 'reflect', 'replicate'}
        How the border is filled; SciPy's ``fill``, ``wrap``, ``symm`` (its
        ``boundary``) are accepted.
    impl : {'fast', 'naive'}

    Returns
    -------
    out : same type and float dtype as ``x``

    Examples
    --------
    >>> x = np.arange(16).reshape(4, 4)
    >>> correlate2d(x, [[1, 0], [0, -1]])
    array([[-5., -5., -5.],
           [-5., -5., -5.],
           [-5., -5., -5.]])
    """
    return _filter2d(x, w, mode, stride, dilation, padding_mode, impl, flip=False)


@renamed_arguments(boundary="padding_mode")
def convolve2d(x, w, mode="valid", *, stride=1, dilation=1, padding_mode="zeros", impl="fast"):
    """True 2-D convolution (the kernel is flipped), as ``scipy.signal.convolve2d``.

    ``f'(x, y) = sum_i sum_j f(x - i, y - j) g(i, j)`` (the Rosenheim lecture): the same as
    :func:`correlate2d` with ``w[::-1, ::-1]``. In ``"same"`` mode an even
    kernel is centred the other way round (extra padding top/left), as in SciPy.
    Parameters and returns as in :func:`correlate2d`.

    Examples
    --------
    >>> convolve2d([[0, 0, 0], [0, 1, 0], [0, 0, 0]], [[1, 2], [3, 4]], mode="full")
    array([[0., 0., 0., 0.],
           [0., 1., 2., 0.],
           [0., 3., 4., 0.],
           [0., 0., 0., 0.]])
    """
    return _filter2d(x, w, mode, stride, dilation, padding_mode, impl, flip=True)


def _filter2d(x, w, mode, stride, dilation, padding_mode, impl, flip):
    """Shared body of correlate2d/convolve2d: pad by mode, then one cross-correlation."""
    check_choice(impl, "impl", IMPLS)
    check_choice(mode, "mode", MODES)
    padding_mode = canonical_mode(padding_mode, "padding_mode")
    x = as_float_array(x, "x")
    check_ndim(x, "x", (2,), "(H, W)")
    w = as_like(w, x, "w")
    check_ndim(w, "w", (2,), "(kh, kw)")
    stride, dilation = check_pair(stride, "stride", 1), check_pair(dilation, "dilation", 1)
    pads = resolve_padding(mode, w.shape, dilation)
    if flip:  # true convolution: mirror the kernel's centring (and below, the kernel)
        pads = (pads[0][::-1], pads[1][::-1])
    if impl == "fast" and not is_tensor(x) and x.size * w.size <= SMALL_COLUMNS:
        if padding_mode != "zeros":
            x, pads = pad2d(x, pads, padding_mode), ((0, 0), (0, 0))
        (top, bottom), (left, right) = pads
        check_kernel_fits((x.shape[0] + top + bottom, x.shape[1] + left + right), w.shape, dilation)
        return correlate2d_gather(x, w, pads, stride, dilation, flip)  # lecture sizes: the shortest way
    if flip:
        w = w.flip((0, 1)) if is_tensor(w) else w[::-1, ::-1]
    out = _correlate(x[None, None], w[None, None], None, pads, padding_mode, stride, dilation, 1, impl)
    return out[0, 0]


def conv1d(x, w, b=None, *, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros",
           impl="fast"):
    """1-D convolution layer (cross-correlation) on (N, C, L), as ``F.conv1d``.

    ``out[n, k, i] = b[k] + sum_c sum_u x[n, c, i*s + u*d] * w[k, c, u]``.

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (N, C, L) or (C, L)
    w : array_like, shape (K, C/groups, k)
    b : array_like, shape (K,), optional
    stride, dilation : int
    padding : int, (left, right), or {'valid', 'same', 'full'}
    groups : int
    padding_mode : {'zeros', 'reflect', 'symmetric', 'replicate', 'circular'}
    impl : {'fast', 'naive'}

    Returns
    -------
    out : shape (N, K, L_out) or (K, L_out), ``L_out = floor((L + 2P - d(k-1) - 1)/s) + 1``

    Examples
    --------
    >>> conv1d([[1, 2, 3, 4]], [[[1, -1]]])  # the lecture's a1*w1 + a2*w2
    array([[-1., -1., -1.]])
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x", (2, 3), "(N, C, L) or (C, L)")
    w = as_like(w, x, "w")
    check_ndim(w, "w", (3,), "(K, C/groups, k)")
    stride = check_int(stride, "stride", 1)
    dilation = check_int(dilation, "dilation", 1)
    if isinstance(padding, str):
        padding = resolve_padding(padding, (1, w.shape[-1]), (1, dilation))[1]
    left, right = check_pair(padding, "padding", 0)
    out = conv2d(x[..., None, :], w[..., None, :], b, stride=(1, stride), padding=((0, 0), (left, right)),
                 dilation=(1, dilation), groups=groups, padding_mode=padding_mode, impl=impl)
    return out[..., 0, :]


def conv2d(x, w, b=None, *, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros",
           impl="fast"):
    """2-D convolution layer (cross-correlation) on (N, C, H, W), as ``F.conv2d``.

    ``out[n, k, i, j] = b[k] + sum_c sum_u sum_v xp[n, g*C/groups + c, i*sh + u*dh, j*sw + v*dw]
    * w[k, c, u, v]`` with ``xp`` the padded input and ``g`` the group of filter ``k``.

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (N, C, H, W) or (C, H, W)
    w : array_like, shape (K, C/groups, kh, kw)
    b : array_like, shape (K,), optional
        One bias per filter, added to every pixel of its feature map.
    stride, dilation : int or (h, w)
    padding : int, (ph, pw), ((top, bottom), (left, right)), or {'valid', 'same', 'full'}
        ``"same"`` follows torch for even kernels (extra row/column bottom/right).
    groups : int
        Split channels and filters into groups that do not see each other.
    padding_mode : {'zeros', 'reflect', 'symmetric', 'replicate', 'circular'}
        As ``nn.Conv2d(padding_mode=...)``, plus ``symmetric``.
    impl : {'fast', 'naive'}
        Ignored for tensors, which always run on ``F.conv2d``.

    Returns
    -------
    out : shape (N, K, H_out, W_out), or (K, H_out, W_out) for a single image;
        same type, device and float dtype as ``x``;
        ``H_out = floor((H + top + bottom - dh(kh - 1) - 1) / sh) + 1``. The fast
        NumPy path may return a strided view of its work buffer (no copy).

    Examples
    --------
    >>> x = np.arange(9.0).reshape(1, 3, 3)          # one channel, 3x3
    >>> w = np.ones((2, 1, 2, 2))                     # two 2x2 filters
    >>> conv2d(x, w, b=[0, 100])
    array([[[  8.,  12.],
            [ 20.,  24.]],
    <BLANKLINE>
           [[108., 112.],
            [120., 124.]]])
    """
    check_choice(impl, "impl", IMPLS)
    padding_mode = canonical_mode(padding_mode, "padding_mode")
    x, w, b, single = layer_arrays(x, w, b, "(N, C, H, W) or (C, H, W)", "(K, C/groups, kh, kw)")
    stride, dilation = check_pair(stride, "stride", 1), check_pair(dilation, "dilation", 1)
    groups = check_int(groups, "groups", 1)
    _check_channels(x, w, b, groups)
    pads = resolve_padding(padding, w.shape[-2:], dilation)
    out = _correlate(x, w, b, pads, padding_mode, stride, dilation, groups, impl)
    return out[0] if single else out


def _check_channels(x, w, b, groups):
    """Channels of x, filters of w and length of b must agree (with ``groups``)."""
    channels, kernels = x.shape[1], w.shape[0]
    if channels % groups:
        raise ValueError(f"groups must divide the {channels} input channels of x, "
                         f"got groups={groups}")
    if kernels % groups:
        raise ValueError(f"groups must divide the {kernels} filters of w (w.shape[0]), "
                         f"got groups={groups}")
    if w.shape[1] * groups != channels:
        raise ValueError(
            f"w must have C/groups = {channels // groups} input channels (w.shape[1]) for the "
            f"{channels} channels of x with groups={groups}, got {describe(w)}")
    if b is not None and tuple(b.shape) != (kernels,):
        raise ValueError(f"b must hold one bias per filter, shape ({kernels},), got {describe(b)}")


def _correlate(x, w, b, pads, padding_mode, stride, dilation, groups, impl):
    """Pad and cross-correlate an (N, C, H, W) batch, add the bias: on torch, naive or fast.

    The fast NumPy path fills zero padding in while it lays out the input, for free.
    """
    if padding_mode != "zeros" or impl == "naive" or is_tensor(x):
        x, pads = pad2d(x, pads, padding_mode), ((0, 0), (0, 0))
    ((top, bottom), (left, right)) = pads
    check_kernel_fits((x.shape[-2] + top + bottom, x.shape[-1] + left + right), w.shape, dilation)
    if is_tensor(x):
        import torch.nn.functional as F

        return F.conv2d(x, w, b, stride=stride, dilation=dilation, groups=groups)
    if impl == "naive":
        out = _correlate_naive(x, w, stride, dilation, groups)
        return out if b is None else out + b[:, None, None]
    return _correlate_fast(x, w, b, pads, stride, dilation, groups)


def _output_size(padded, kernel, stride, dilation):
    """:func:`cnnlab.shapes.conv_output_size` of the padded input, for both axes (sizes already checked).

    Through :func:`cnnlab._gather.output_length`: the checks of
    ``conv_output_size`` cost more than a lecture-size convolution.

    Examples
    --------
    >>> _output_size((7, 7), (3, 3), (2, 1), (1, 2)) == (conv_output_size(7, 3, 0, 2, 1), conv_output_size(7, 3, 0, 1, 2))
    True
    """
    (height, width), (kh, kw), (sh, sw), (dh, dw) = padded, kernel, stride, dilation
    return output_length(height, kh, sh, dh), output_length(width, kw, sw, dw)


def _correlate_naive(xp, w, stride, dilation, groups):
    """The lecture formula, one output pixel at a time.

    ``out[n, k, i, j] = sum_c sum_u sum_v xp[n, c, i*sh + u*dh, j*sw + v*dw] * w[k, c, u, v]``
    over the channels ``c`` of filter k's group.
    """
    (sh, sw), (dh, dw) = stride, dilation
    kernels, group_channels, kh, kw = w.shape
    out_h, out_w = _output_size(xp.shape[-2:], w.shape[-2:], stride, dilation)
    out = np.zeros((xp.shape[0], kernels, out_h, out_w), dtype=xp.dtype)
    for n in range(xp.shape[0]):
        for k in range(kernels):
            first = k // (kernels // groups) * group_channels  # first channel of k's group
            channels = xp[n, first:first + group_channels]
            for i in range(out_h):
                for j in range(out_w):
                    window = channels[:, i * sh:i * sh + dh * (kh - 1) + 1:dh,
                                      j * sw:j * sw + dw * (kw - 1) + 1:dw]
                    out[n, k, i, j] = np.sum(window * w[k])
    return out


def _correlate_fast(x, w, b, pads, stride, dilation, groups):
    """im2col and one matrix product per chunk of images, the bias included.

    Small inputs gather their columns in one indexing step
    (:func:`cnnlab._gather.correlate_gather`). Otherwise the zero-padded input
    of a chunk of images (split into ``sh * sw`` stride phases) is stored
    flat, channel by channel, with rows of length ``row``. Then every kernel
    tap ``(u, v)`` reads one contiguous slice of it, and the taps that read
    the same phase are a regular grid of slices: the column matrix is built
    from one long, fast copy per phase (:func:`cnnlab._im2col.phase_taps`;
    the filters' columns follow that tap order), a chunk of images at a time
    (in reused work buffers: fresh memory costs a page fault per page). A row of ones
    in the columns times a column of biases in the weights adds the bias
    inside the product. The product ``weights @ columns`` covers all images
    of the chunk at once (one long matrix product runs faster than one per
    image) and yields output rows of length ``row`` whose first ``W_out``
    entries are the output (the others straddle two image rows: the result is
    a view that leaves them out, filter-major in memory).
    """
    n_images, channels, height, width = x.shape
    kernels, group_channels, kh, kw = w.shape
    ((top, bottom), (left, right)) = pads
    padded = (height + top + bottom, width + left + right)
    out_h, out_w = _output_size(padded, (kh, kw), stride, dilation)
    if kh == kw == 1 and pads == ((0, 0), (0, 0)):
        return _pointwise(x[:, :, ::stride[0], ::stride[1]], w, b, groups)
    if n_images * channels * kh * kw * out_h * out_w <= SMALL_COLUMNS:
        return correlate_gather(x, w, b, pads, stride, dilation, groups)
    row = -(-padded[1] // stride[1])
    span = out_h * row
    blocks, order = phase_taps((kh, kw), stride, dilation)
    weights = _weight_matrix(w, b, groups, order)
    per_image = weights.shape[-1] * groups * span * x.itemsize
    chunk = chunk_images(n_images, per_image)
    phase_buffer = work_buffer("phases", phase_shape((chunk,) + x.shape[1:], pads, stride), x.dtype)
    band = band_rows(out_h, per_image, phase_buffer.nbytes // chunk) * row
    cols, taps = _column_buffer(chunk, groups, group_channels, kh * kw, band,
                                with_ones=b is not None, dtype=x.dtype)
    phase_buffer[...] = 0  # the padding; each chunk writes its pixels only
    out = np.empty((groups, kernels // groups, n_images * span), dtype=x.dtype)
    copies = None
    for first in range(0, n_images, chunk):
        count = min(chunk, n_images - first)
        phases, _ = flat_phases(x[first:first + count], pads, stride, out=phase_buffer[:, :, :count])
        if copies is None or count < chunk:  # the same views for every full chunk
            copies = column_copies(taps[:, :, :, :count], phases, blocks, stride, dilation, row, span)
        for start in range(0, span, band):  # one step, unless one image's columns are too large (chunk 1)
            length = min(band, span - start)
            for destination, source in copies:
                destination[..., :length] = source[..., start:start + length]
            begin = first * span + start
            np.matmul(weights, cols[..., :count * length], out=out[..., begin:begin + count * length])
    return out.reshape(kernels, n_images, out_h, row).transpose(1, 0, 2, 3)[..., :out_w]


def _weight_matrix(w, b, groups, order):
    """Filters as rows ``(groups, K/groups, C/groups * kh * kw)``, taps in ``order``, the bias as a last column."""
    kernels, group_channels = w.shape[:2]
    taps = w.reshape(groups, kernels // groups, group_channels, -1)[..., order]
    weights = taps.reshape(groups, kernels // groups, -1)
    if b is None:
        return weights
    return np.concatenate([weights, b.reshape(groups, kernels // groups, 1)], axis=-1)


def _column_buffer(chunk, groups, group_channels, n_taps, span, with_ones, dtype):
    """The im2col work buffer ``(groups, C/groups * taps [+ 1], chunk * span)`` and its tap view.

    ``taps[g, c, t, n]`` is the row piece that kernel tap ``t`` (in the order of
    :func:`cnnlab._im2col.phase_taps`) of channel ``c`` fills for image ``n``; the optional last row of each group
    holds the ones that multiply the bias.
    """
    rows = group_channels * n_taps
    cols = work_buffer("columns", (groups, rows + with_ones, chunk * span), dtype)
    if with_ones:
        cols[:, rows] = 1
    taps = cols[:, :rows].reshape(groups, group_channels, n_taps, chunk, span)
    return cols, taps


def _pointwise(x, w, b, groups):
    """A 1x1 convolution is a plain matrix product over the channels, image by image."""
    n_images, channels, height, width = x.shape
    kernels = w.shape[0]
    weights = w.reshape(groups, kernels // groups, channels // groups)
    pixels = np.ascontiguousarray(x).reshape(n_images, groups, channels // groups, height * width)
    out = np.matmul(weights, pixels).reshape(n_images, kernels, height, width)
    if b is not None:
        out += b[:, None, None]
    return out
