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
The tools that check such formulas numerically (:func:`numerical_gradient`,
:func:`rel_error`, :func:`gradient_check`) live in :mod:`cnnlab.gradcheck`
and are re-exported here.
"""

import numpy as np

from ._backend import is_tensor
from ._im2col import CHUNK_BYTES, flat_phases, tap_start, unflatten_phases
from ._validate import as_float_array, check_choice, check_int, check_ndim, check_pair, describe
from ._windows import check_pool_args, sliding_windows
# the gradient check lives in cnnlab.gradcheck; re-exported here, next to the gradients it checks
from .gradcheck import GradientCheck, gradient_check, numerical_gradient, rel_error
from .padding import canonical_mode, pad2d, pad_indices, resolve_padding, unpad2d
from .shapes import conv_output_size

IMPLS = ("naive", "fast")


# --------------------------------------------------------------------------- conv


def conv2d_backward(dout, x, w, stride=1, padding=0, dilation=1, groups=1, padding_mode="zeros", *,
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
    _check_same_kind(x, dout=dout, w=w)
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


def _check_same_kind(x, **others):
    """All arrays NumPy, or all tensors on x's device."""
    for name, other in others.items():
        if is_tensor(other) != is_tensor(x):
            raise TypeError(f"x and {name} must both be NumPy arrays or both torch tensors, "
                            f"got x as {describe(x)} and {name} as {describe(other)}")
        if is_tensor(x) and other.device != x.device:
            raise ValueError(f"x and {name} must be on the same device, "
                             f"got {x.device} and {other.device}")


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
    sizes = [_output_size(*axis) for axis in zip(("H", "W"), (height, width), pads, (kh, kw), stride, dilation)]
    expected = (n, k, sizes[0][0], sizes[1][0])
    if tuple(dout.shape) != expected:
        raise ValueError(f"dout must have the shape of the forward output (N, K, H_out, W_out) = {expected}, "
                         f"got {describe(dout)}; computed as {sizes[0][1]} and {sizes[1][1]}")
    return pads, stride, dilation, groups


def _output_size(axis, size, pads, kernel, stride, dilation):
    """:func:`~cnnlab.shapes.conv_output_size`, with the arithmetic spelled out for messages."""
    out = conv_output_size(size, kernel, pads, stride, dilation)
    return out, (f"{axis}_out = floor(({size} + {pads[0]} + {pads[1]} - {dilation}*({kernel}-1) - 1)"
                 f"/{stride}) + 1 = {out}")


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
    with zeros there. Then ``dK = dZ @ cols.T`` is X (*) dL/dZ (the stride is
    the step between the pixels that one dL/dz_ij meets), and ``dcols = K.T @ dZ``,
    each tap's slice added back where it was read from (col2im), is the full
    convolution of dL/dZ with rot180(K).
    """
    n_images, channels = x.shape[:2]
    k, c_group, kh, kw = w.shape
    (out_h, out_w), rows = dout.shape[2:], c_group * kh * kw
    phases, row = flat_phases(x, pads, stride)
    taps = [tap_start(m, l, stride, dilation, row) for m in range(kh) for l in range(kw)]
    span = out_h * row
    dz = np.zeros((n_images, k, out_h, row), dtype=x.dtype)
    dz[..., :out_w] = dout
    dz = dz.reshape(n_images, groups, k // groups, span)
    weights_t = w.reshape(groups, k // groups, rows).transpose(0, 2, 1)
    dw_t, dphases = np.zeros((groups, rows, k // groups), dtype=x.dtype), np.zeros_like(phases)
    chunk = max(1, min(n_images, CHUNK_BYTES // (channels * kh * kw * span * x.itemsize)))
    cols = np.empty((chunk, channels, kh * kw, span), dtype=x.dtype)
    for first in range(0, n_images, chunk):
        images = slice(first, min(first + chunk, n_images))
        count = images.stop - first
        for tap, (a, b, start) in enumerate(taps):
            cols[:count, :, tap] = phases[a, b, images, :, start:start + span]
        grouped = cols[:count].reshape(count, groups, rows, span)
        # dK transposed: cols @ dZ.T runs about twice as fast in OpenBLAS as dZ @ cols.T
        dw_t += np.matmul(grouped, dz[images].transpose(0, 1, 3, 2)).sum(axis=0)
        dcols = np.matmul(weights_t, dz[images]).reshape(count, channels, kh * kw, span)
        for tap, (a, b, start) in enumerate(taps):
            dphases[a, b, images, :, start:start + span] += dcols[:, :, tap]
    dx = unflatten_phases(dphases, x.shape, pads, stride, row)
    return dx, dw_t.transpose(0, 2, 1).reshape(w.shape)


def _conv2d_backward_torch(dout, x, w, geometry):
    """torch's convolution backward on the explicitly padded input, on x's device."""
    from torch.nn.grad import conv2d_input, conv2d_weight

    pads, stride, dilation, groups = geometry
    xp = pad2d(x, pads)
    dxp = conv2d_input(xp.shape, w, dout, stride=stride, dilation=dilation, groups=groups)
    dw = conv2d_weight(xp, w.shape, dout, stride=stride, dilation=dilation, groups=groups)
    return unpad2d(dxp, pads), dw, dout.sum(dim=(0, 2, 3))


# ------------------------------------------------------------------------ pooling


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0, *, impl="fast"):
    """Gradient of ``max_pool2d``: each window passes dL/dZ on to its arg-max only.

    ``z_ij = max_{m, l} X[s*i + m, s*j + l]``, so ``dz_ij/dX[r, c]`` is 1 at the
    window's largest input and 0 elsewhere. Ties go to the first maximum in
    row-major order (torch's choice); overlapping windows add up. Padding is
    with -inf, so it never wins. The pooled output has
    ``floor((H + 2P - F)/S) + 1`` rows (and likewise columns).

    Parameters
    ----------
    dout : ndarray or torch.Tensor, shape (..., H_out, W_out)
        Upstream gradient, the shape of the pooled output.
    x : ndarray or torch.Tensor, shape (H, W), (C, H, W) or (N, C, H, W)
        The forward input.
    kernel_size : int or (int, int)
    stride : int or (int, int), optional
        Defaults to ``kernel_size``, as in torch.
    padding : int or (int, int)
        At most half the kernel size (torch's rule).
    impl : {'fast', 'naive'}
        ``"naive"`` loops over the windows; ``"fast"`` loops over the kh*kw
        kernel offsets only. Tensors use torch's autograd on their device.

    Returns
    -------
    dx : same type and shape as ``x``

    Examples
    --------
    >>> x = np.array([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]])
    >>> max_pool2d_backward(np.ones((2, 2)), x, 2)
    array([[0., 0., 0., 0.],
           [1., 0., 0., 1.],
           [1., 0., 0., 1.],
           [0., 0., 0., 0.]])
    """
    return _pool2d_backward("max", dout, x, kernel_size, stride, padding, impl)


def avg_pool2d_backward(dout, x, kernel_size, stride=None, padding=0, *, impl="fast"):
    """Gradient of ``avg_pool2d``: each window spreads dL/dZ evenly over its F*F inputs.

    ``z_ij = (1 / (kh*kw)) sum_{m, l} X[s*i + m, s*j + l]``, so every input of
    the window gets ``dL/dz_ij / (kh*kw)``. Zero padding counts in the
    divisor (``count_include_pad=True``, torch's default). Parameters and
    shapes as in :func:`max_pool2d_backward`.

    Examples
    --------
    >>> avg_pool2d_backward(np.array([[4.0, 8.0]]), np.zeros((2, 4)), 2)
    array([[1., 1., 2., 2.],
           [1., 1., 2., 2.]])
    """
    return _pool2d_backward("avg", dout, x, kernel_size, stride, padding, impl)


def _pool2d_backward(kind, dout, x, kernel_size, stride, padding, impl):
    impl = check_choice(impl, "impl", IMPLS)
    dout = as_float_array(dout, "dout")
    x, kernel, stride, padding, out_size = check_pool_args(x, kernel_size, stride, padding)
    _check_same_kind(x, dout=dout)
    _check_pooled_shape(dout, x, kernel, stride, padding, out_size)
    if is_tensor(x):
        return _pool2d_backward_torch(kind, dout.to(x.dtype), x, kernel, stride, padding)
    dtype = np.result_type(dout, x)
    dout, x = dout.astype(dtype, copy=False), x.astype(dtype, copy=False)
    fill = -np.inf if kind == "max" else 0.0
    xp = np.pad(x, [(0, 0)] * (x.ndim - 2) + [(p, p) for p in padding], constant_values=fill)
    backward = {("max", "naive"): _max_pool_naive, ("max", "fast"): _max_pool_fast,
                ("avg", "naive"): _avg_pool_naive, ("avg", "fast"): _avg_pool_fast}[kind, impl]
    dxp = backward(dout, xp, kernel, stride)
    return unpad2d(dxp, [(p, p) for p in padding])


def _check_pooled_shape(dout, x, kernel, stride, padding, out_size):
    """``dout`` must have the pooled output's shape; say how that shape was computed."""
    expected = tuple(x.shape[:-2]) + tuple(out_size)
    if tuple(dout.shape) != expected:
        formulas = [_output_size(axis, n, (p, p), k, s, 1)[1]
                    for axis, n, p, k, s in zip(("H", "W"), x.shape[-2:], padding, kernel, stride)]
        raise ValueError(f"dout must have the shape of the pooled output {expected}, "
                         f"got {describe(dout)}; "
                         f"computed as {formulas[0]} and {formulas[1]}")


def _window_slices(m, l, out_shape, stride):
    """The input rows and columns that kernel offset (m, l) touches, over all windows."""
    (ho, wo), (sh, sw) = out_shape, stride
    return slice(m, m + sh * (ho - 1) + 1, sh), slice(l, l + sw * (wo - 1) + 1, sw)


def _max_pool_naive(dout, xp, kernel, stride):
    dxp = np.zeros_like(xp)
    (kh, kw), (sh, sw) = kernel, stride
    for index in np.ndindex(dout.shape):
        *lead, i, j = index
        window = xp[(*lead, slice(sh * i, sh * i + kh), slice(sw * j, sw * j + kw))]
        m, l = np.unravel_index(np.argmax(window), window.shape)  # first maximum
        dxp[(*lead, sh * i + m, sw * j + l)] += dout[index]
    return dxp


def _max_pool_fast(dout, xp, kernel, stride):
    kh, kw = kernel
    windows = sliding_windows(xp, kernel, stride)
    winner = windows.reshape(windows.shape[:-2] + (kh * kw,)).argmax(axis=-1)
    dxp = np.zeros_like(xp)
    for m in range(kh):
        for l in range(kw):
            rows, cols = _window_slices(m, l, dout.shape[-2:], stride)
            dxp[..., rows, cols] += np.where(winner == m * kw + l, dout, 0.0)
    return dxp


def _avg_pool_naive(dout, xp, kernel, stride):
    dxp = np.zeros_like(xp)
    (kh, kw), (sh, sw) = kernel, stride
    for index in np.ndindex(dout.shape):
        *lead, i, j = index
        dxp[(*lead, slice(sh * i, sh * i + kh), slice(sw * j, sw * j + kw))] += dout[index] / (kh * kw)
    return dxp


def _avg_pool_fast(dout, xp, kernel, stride):
    kh, kw = kernel
    share = dout / (kh * kw)
    dxp = np.zeros_like(xp)
    for m in range(kh):
        for l in range(kw):
            rows, cols = _window_slices(m, l, dout.shape[-2:], stride)
            dxp[..., rows, cols] += share
    return dxp


def _pool2d_backward_torch(kind, dout, x, kernel, stride, padding):
    """torch autograd through F.max_pool2d / F.avg_pool2d (2-D input gets a batch axis)."""
    import torch
    import torch.nn.functional as F

    pool = F.max_pool2d if kind == "max" else F.avg_pool2d
    flat = x.ndim == 2
    with torch.enable_grad():
        leaf = (x[None] if flat else x).detach().requires_grad_(True)
        out = pool(leaf, kernel, stride, padding)
        (dx,) = torch.autograd.grad(out, leaf, dout[None] if flat else dout)
    return dx[0] if flat else dx


__all__ = ["conv2d_backward", "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient",
           "rel_error", "gradient_check", "GradientCheck"]
