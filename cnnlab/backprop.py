"""Backpropagation through convolution and pooling, the way the lecture derives it.

Functional, no cache objects: each backward takes the upstream gradient
``dout`` = dL/dZ together with the forward's inputs and returns the gradients.

The notes (the handwritten notes) convolve a 3x3 input X with a 2x2 kernel K and add a bias
B, so ``z_ij = sum_mn X_{i+m, j+n} K_mn + B``, and the chain rule
``dL/dK_mn = sum_ij dL/dz_ij * dz_ij/dK_mn`` gives the three gradients::

    dL/dK = X (*) dL/dZ                      valid cross-correlation of X with dL/dZ
    dL/dB = sum_ij dL/dz_ij
    dL/dX = (zero-padded dL/dZ) (*) rot180(K)   a full convolution of dL/dZ with K

where ``(*)`` is cross-correlation, the "convolution" of every framework.
The tools that check such formulas numerically (:func:`~cnnlab.gradcheck.numerical_gradient`,
:func:`~cnnlab.gradcheck.rel_error`, :func:`~cnnlab.gradcheck.gradient_check`) live in
:mod:`cnnlab.gradcheck`; the backward passes of pooling sit next to their forward passes in
:mod:`cnnlab.pooling`.
"""

import numpy as np

from ._backend import is_tensor
from ._im2col import (
    chunk_images, column_copies, flat_phases, phase_shape, phase_taps, tap_start, unflatten_phases, work_buffer,
)
from ._validate import (
    as_float_array, check_choice, check_int, check_ndim, check_pair, check_same_kind, describe,
)
from .padding import canonical_mode, pad2d, pad_indices, resolve_padding, unpad2d
from .shapes import conv_output_size, output_size_arithmetic
from .vocabulary import IMPLS


# --------------------------------------------------------------------------- conv


def conv2d_backward(dout, x, w, *, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros",
                    impl="fast"):
    """Gradients of a conv layer ``z = conv2d(x, w, b)`` with respect to x, w and b.

    With stride ``s`` and dilation ``d`` the forward pass (cross-correlation,
    as in ``F.conv2d``) reads, per group, on the zero-padded input ``X``::

        z[n, k, i, j] = b[k] + sum_{c, m, l} X[n, c, s*i + d*m, s*j + d*l] * K[k, c, m, l]

    and the chain rule gives the lecture's three formulas:

    * ``dL/dK = X (*) dL/dZ``, that is
      ``dK[k, c, m, l] = sum_{n, i, j} dZ[n, k, i, j] X[n, c, s*i + d*m, s*j + d*l]``:
      the valid cross-correlation of the input with ``dL/dZ`` *dilated by the
      stride* (``s - 1`` zeros between its entries), read at lags ``d*m``
      (every ``d``-th lag: the kernel's dilation).
    * ``dL/dB = sum_{n, i, j} dL/dZ[n, k, i, j]``.
    * ``dL/dX = (zero-padded dL/dZ) (*) rot180(K)``: the full convolution of
      ``dL/dZ`` dilated by the stride with ``K`` dilated by ``d``; then the rows
      and columns of the padding are cut off (and input pixels that no window
      reached, when the stride does not fit, get zero).

    Parameters
    ----------
    dout : ndarray or torch.Tensor, shape (N, K, H_out, W_out) or (K, H_out, W_out)
        Upstream gradient dL/dZ, the shape of the forward output.
    x : ndarray or torch.Tensor, shape (N, C, H, W) or (C, H, W)
        The forward input.
    w : ndarray or torch.Tensor, shape (K, C / groups, kh, kw)
        The forward weights.
    stride, dilation : int or (int, int)
    padding : int, (ph, pw), ((top, bottom), (left, right)), or {'valid', 'same', 'full'}
        As in the forward call.
    padding_mode : {'zeros', 'reflect', 'symmetric', 'replicate', 'circular'}
        As in :func:`cnnlab.conv.conv2d`. With a mode other than zeros a border
        pixel is a copy of an input pixel, so its gradient is added onto that pixel.
    groups : int
        ``C`` and ``K`` must both be divisible by it.
    impl : {'fast', 'naive'}
        ``"naive"`` loops over output positions and kernel offsets, the chain
        rule written out; ``"fast"`` does two GEMMs on conv.py's im2col columns. Tensors
        always use torch's own kernels (``torch.nn.grad``) on their device.

    Returns
    -------
    dx : same type and shape as ``x``
    dw : same type and shape as ``w``
    db : shape (K,)

    Examples
    --------
    The notes' example: a 3x3 input, a 2x2 kernel, a 2x2 output.

    >>> X = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> K = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    >>> dZ = np.ones((1, 1, 2, 2))
    >>> dX, dK, dB = conv2d_backward(dZ, X, K)
    >>> dK[0, 0]            # X (*) dL/dZ: sums of 2x2 windows of X
    array([[ 8., 12.],
           [20., 24.]])
    >>> dB
    array([4.])
    >>> from scipy.signal import convolve2d
    >>> bool(np.allclose(dX[0, 0], convolve2d(dZ[0, 0], K[0, 0], mode="full")))
    True
    """
    impl = check_choice(impl, "impl", IMPLS)
    padding_mode = canonical_mode(padding_mode, "padding_mode")
    dout, x, w, unbatched = _conv_arrays(dout, x, w)
    pads, stride, dilation, groups = _conv_geometry(dout, x, w, stride, padding, dilation, groups)
    if padding_mode == "zeros":
        dx, dw, db = _zero_padded_backward(dout, x, w, (pads, stride, dilation, groups), impl)
    else:
        no_padding = ((0, 0), (0, 0))
        dxp, dw, db = _zero_padded_backward(dout, pad2d(x, pads, padding_mode), w,
                                            (no_padding, stride, dilation, groups), impl)
        dx = _fold_padding(dxp, x.shape, pads, padding_mode)
    return (dx[0] if unbatched else dx), dw, db


def _zero_padded_backward(dout, x, w, geometry, impl):
    """(dx, dw, db) with zero padding: torch's kernels for tensors, else the naive or fast loops."""
    if is_tensor(x):
        return _conv2d_backward_torch(dout, x, w, geometry)
    backward = _conv2d_backward_naive if impl == "naive" else _conv2d_backward_fast
    dx, dw = backward(dout, x, w, *geometry)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def _fold_padding(dxp, shape, pads, mode):
    """The adjoint of :func:`~cnnlab.padding.pad2d`: add each border pixel's gradient onto its source.

    ``dx = R @ dxp @ C.T`` where ``R[r, p] = 1`` when padded row ``p`` is a copy of input row ``r``.
    """
    (top, bottom), (left, right) = pads
    rows = _copy_matrix(shape[-2], top, bottom, mode, dxp)
    cols = _copy_matrix(shape[-1], left, right, mode, dxp)
    return rows @ dxp @ cols.T


def _copy_matrix(size, before, after, mode, like):
    """0/1 matrix (size, padded size): which input pixel each padded pixel copies."""
    sources = pad_indices(size, before, after, mode)
    matrix = (np.arange(size)[:, None] == sources[None, :]).astype(np.float64)
    if is_tensor(like):
        import torch

        return torch.as_tensor(matrix, dtype=like.dtype, device=like.device)
    return matrix.astype(like.dtype)


def _conv_arrays(dout, x, w):
    """Convert the three inputs to one float type (NumPy or torch), batched."""
    dout, x, w = (as_float_array(a, name) for a, name in ((dout, "dout"), (x, "x"), (w, "w")))
    check_same_kind(x, dout=dout, w=w)
    check_ndim(x, "x", (4, 3), "(N, C, H, W) or (C, H, W)")
    check_ndim(w, "w", (4,), "(K, C / groups, kh, kw)")
    check_ndim(dout, "dout", (x.ndim,), "(N, K, H_out, W_out)" if x.ndim == 4 else "(K, H_out, W_out)")
    if is_tensor(x):
        import torch

        dtype = torch.promote_types(torch.promote_types(dout.dtype, x.dtype), w.dtype)
        dout, x, w = dout.to(dtype), x.to(dtype), w.to(dtype)
    else:
        dtype = np.result_type(dout, x, w)
        dout, x, w = (a.astype(dtype, copy=False) for a in (dout, x, w))
    unbatched = x.ndim == 3
    if unbatched:
        dout, x = dout[None], x[None]
    return dout, x, w, unbatched


def _conv_geometry(dout, x, w, stride, padding, dilation, groups):
    """Check channels, groups and the shape of ``dout``; return (pads, stride, dilation, groups)."""
    groups = check_int(groups, "groups", minimum=1)
    stride, dilation = check_pair(stride, "stride", 1), check_pair(dilation, "dilation", 1)
    (n, c, height, width), (k, c_group, kh, kw) = x.shape, w.shape
    if c % groups or k % groups:
        raise ValueError(f"groups={groups} must divide both the input channels C={c} "
                         f"and the filters K={k} (w has shape {tuple(w.shape)})")
    if c_group * groups != c:
        raise ValueError(f"w must have C / groups = {c} / {groups} = {c // groups} channels "
                         f"(w.shape[1]) to match x with C={c}, got w of shape {tuple(w.shape)}")
    pads = resolve_padding(padding, (kh, kw), dilation)
    axes = list(zip((height, width), (kh, kw), pads, stride, dilation))
    expected = (n, k) + tuple(conv_output_size(*axis) for axis in axes)
    if tuple(dout.shape) != expected:
        arithmetic = [output_size_arithmetic(*axis, axis=name) for axis, name in zip(axes, "HW")]
        raise ValueError(f"dout must have the shape of the forward output (N, K, H_out, W_out) = {expected}, "
                         f"got {describe(dout)}; computed as {arithmetic[0]} and {arithmetic[1]}")
    return pads, stride, dilation, groups


def _conv2d_backward_naive(dout, x, w, pads, stride, dilation, groups):
    """Chain rule, literally: z_ij depends on X[s*i + d*m, s*j + d*l] through K_ml."""
    (sh, sw), (dh, dw_) = stride, dilation
    k, c_group, kh, kw = w.shape
    k_group = k // groups
    xp = pad2d(x, pads)
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for g in range(groups):
        ks, cs = slice(g * k_group, (g + 1) * k_group), slice(g * c_group, (g + 1) * c_group)
        for i in range(dout.shape[2]):
            for j in range(dout.shape[3]):
                dz = dout[:, ks, i, j]  # dL/dz_ij for every image (rows) and filter (columns)
                for m in range(kh):
                    for n in range(kw):
                        row, col = sh * i + dh * m, sw * j + dw_ * n
                        dw[ks, :, m, n] += dz.T @ xp[:, cs, row, col]  # dz_ij/dK_mn = X[row, col]
                        dxp[:, cs, row, col] += dz @ w[ks, :, m, n]  # dz_ij/dX[row, col] = K_mn
    return unpad2d(dxp, pads), dw


def _conv2d_backward_fast(dout, x, w, pads, stride, dilation, groups):
    """Two GEMMs per chunk of images on the im2col columns of conv.py's fast forward.

    The forward lays the zero-padded input out flat, split into stride phases,
    so that kernel tap (m, l) reads one contiguous slice ``cols[(c, m, l), :]``
    for all output pixels, in output rows of length ``row`` whose last
    ``row - W_out`` entries are not outputs. dL/dZ is laid out the same way,
    with zeros there, all images of a chunk side by side. Then
    ``dK = dZ @ cols.T`` is X (*) dL/dZ (the stride is the step between the
    pixels that one dL/dz_ij meets), and ``dcols = K.T @ dZ`` (written over the
    columns, which are no longer needed), each tap's slice added back where it
    was read from (col2im), is the full convolution of dL/dZ with rot180(K).
    A 1x1 kernel without padding needs no columns: two plain products.
    """
    k, c_group, kh, kw = w.shape
    if kh == kw == 1 and pads == ((0, 0), (0, 0)):
        return _pointwise_backward(dout, x, w, stride, groups)
    n_images, channels = x.shape[:2]
    (out_h, out_w), rows = dout.shape[2:], c_group * kh * kw
    shape = phase_shape(x.shape, pads, stride)
    row, span = shape[-1], out_h * shape[-1]
    blocks, order = phase_taps((kh, kw), stride, dilation)
    taps = [tap_start(t // kw, t % kw, stride, dilation, row) for t in order]
    chunk = chunk_images(n_images, channels * kh * kw * span * x.itemsize)
    ordered = w.reshape(groups, k // groups, c_group, kh * kw)[..., order]
    weights_t = ordered.reshape(groups, k // groups, rows).transpose(0, 2, 1)
    dw_t = np.zeros((groups, rows, k // groups), dtype=x.dtype)
    dx = np.empty(x.shape, dtype=x.dtype)
    cols = work_buffer("backward columns", (groups, rows, chunk * span), x.dtype)
    col_taps = cols.reshape(groups, c_group, kh * kw, chunk, span)
    dz = work_buffer("backward dz", (groups, k // groups, chunk, out_h, row), x.dtype)
    dz[..., out_w:] = 0  # the entries that are no outputs; each chunk writes the others
    chunk_shape = shape[:2] + (chunk,) + shape[3:]
    phase_buffer = work_buffer("backward phases", chunk_shape, x.dtype)
    phase_buffer[...] = 0  # the padding; each chunk writes its pixels only
    dphase_buffer = work_buffer("backward dphases", chunk_shape, x.dtype)
    views = None
    for first in range(0, n_images, chunk):
        count = min(chunk, n_images - first)
        images = slice(first, first + count)
        phases, _ = flat_phases(x[images], pads, stride, out=phase_buffer[:, :, :count])
        dphases = dphase_buffer[:, :, :count].reshape(shape[:2] + (count, channels, -1))
        if views is None or count < chunk:  # the same views for every full chunk
            views = _backward_views(col_taps[:, :, :, :count], phases, dphases, blocks, taps,
                                    (stride, dilation, row, span, groups))
        copies, scatters = views
        for destination, source in copies:
            destination[...] = source
        grouped_dout = dout[images].reshape(count, groups, k // groups, out_h, out_w)
        dz[:, :, :count, :, :out_w] = grouped_dout.transpose(1, 2, 0, 3, 4)
        dz_chunk, cols_chunk = dz[:, :, :count].reshape(groups, k // groups, -1), cols[..., :count * span]
        # dK transposed: cols @ dZ.T runs about twice as fast in OpenBLAS as dZ @ cols.T
        dw_t += np.matmul(cols_chunk, dz_chunk.transpose(0, 2, 1))
        np.matmul(weights_t, dz_chunk, out=cols_chunk)  # dcols, over the columns
        dphases[...] = 0
        for target, piece in scatters:  # col2im: each tap's gradient back where it read
            target += piece
        unflatten_phases(dphases, dx[images].shape, pads, stride, row, out=dx[images])
    dw = np.empty_like(w).reshape(groups, k // groups, c_group, kh * kw)
    dw[..., order] = dw_t.transpose(0, 2, 1).reshape(groups, k // groups, c_group, kh * kw)
    return dx, dw.reshape(w.shape)


def _backward_views(col_taps, phases, dphases, blocks, taps, geometry):
    """The views one chunk of the fast backward copies through: phases into columns, columns back to phases."""
    stride, dilation, row, span, groups = geometry
    copies = column_copies(col_taps, phases, blocks, stride, dilation, row, span)
    count, channels = dphases.shape[2:4]
    grouped = dphases.reshape(dphases.shape[:2] + (count, groups, channels // groups, -1))
    scatters = [(grouped[a, b, ..., start:start + span], col_taps[:, :, tap].transpose(2, 0, 1, 3))
                for tap, (a, b, start) in enumerate(taps)]
    return copies, scatters


def _pointwise_backward(dout, x, w, stride, groups):
    """Gradients of a 1x1 convolution (no padding): ``dK = dZ @ X.T`` and ``dX = K.T @ dZ`` per image."""
    n_images, channels = x.shape[:2]
    k, out_h, out_w = dout.shape[1:]
    pixels = np.ascontiguousarray(x[:, :, ::stride[0], ::stride[1]]).reshape(n_images, groups, channels // groups, -1)
    dz = dout.reshape(n_images, groups, k // groups, -1)
    dw = np.matmul(dz, pixels.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w.shape)
    dpixels = np.matmul(w.reshape(groups, k // groups, -1).transpose(0, 2, 1), dz)
    if stride == (1, 1):
        return dpixels.reshape(x.shape), dw
    dx = np.zeros(x.shape, dtype=x.dtype)
    dx[:, :, ::stride[0], ::stride[1]] = dpixels.reshape(n_images, channels, out_h, out_w)
    return dx, dw


def _conv2d_backward_torch(dout, x, w, geometry):
    """torch's convolution backward on the explicitly padded input, on x's device."""
    from torch.nn.grad import conv2d_input, conv2d_weight

    pads, stride, dilation, groups = geometry
    xp = pad2d(x, pads)
    dxp = conv2d_input(xp.shape, w, dout, stride=stride, dilation=dilation, groups=groups)
    dw = conv2d_weight(xp, w.shape, dout, stride=stride, dilation=dilation, groups=groups)
    return unpad2d(dxp, pads), dw, dout.sum(dim=(0, 2, 3))


__all__ = ["conv2d_backward"]
