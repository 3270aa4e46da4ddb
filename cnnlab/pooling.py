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
Each forward pass has its backward pass next to it (:func:`max_pool2d_backward`,
:func:`avg_pool2d_backward`), as in CS231n's ``fast_layers``.
"""

import numpy as np

from ._backend import is_tensor
from ._validate import as_float_array, check_choice, check_ndim, check_pair, check_same_kind, describe
from ._windows import sliding_windows
from .padding import pad_constant, unpad2d
from .shapes import output_size_arithmetic, pool_output_size
from .vocabulary import IMPLS


def _check_pool_args(x, kernel_size, stride, padding):
    """Validate and return ``(x, kernel, stride, padding, out_size)`` for a pooling call.

    ``x`` comes back as a float array (or tensor); ``stride`` defaults to the
    window; padding may be at most half the window (PyTorch's rule). Shared by
    the forward and the backward passes.

    Examples
    --------
    >>> x, kernel, stride, padding, out_size = _check_pool_args(np.zeros((5, 7)), 3, None, 1)
    >>> kernel, stride, padding, out_size
    ((3, 3), (3, 3), (1, 1), (2, 3))
    >>> _check_pool_args(np.zeros((5, 7)), 2, None, 2)
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


def _as_nchw(x):
    """View ``x`` as (N, C, H, W), remembering how many leading axes to drop again."""
    return x.reshape((1,) * (4 - x.ndim) + tuple(x.shape)), x.ndim


def _pad(x, padding, value):
    (ph, pw) = padding
    return pad_constant(x, ((ph, ph), (pw, pw)), value) if ph or pw else x


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
    """All windows at once, one kernel offset at a time.

    Offset ``(m, l)`` of every window is one strided slice of ``x``; the
    running maximum (or sum) over the ``kh * kw`` slices is the result. Each
    step is one whole-array NumPy operation, so small and large inputs alike
    cost ``kh * kw`` passes and no window view.
    """
    (kh, kw) = kernel
    combine = np.maximum if reduce is np.max else np.add
    out = None
    for m in range(kh):
        for l in range(kw):
            rows, cols = _window_slices(m, l, out_size, stride)
            part = x[..., rows, cols]
            out = part.copy() if out is None else combine(out, part, out=out)
    return out if reduce is np.max else np.divide(out, kh * kw, out=out)


def _pool(x, kernel_size, stride, padding, impl, kind):
    """Shared body of max and average pooling (NumPy and torch)."""
    x, kernel, stride, padding, out_size = _check_pool_args(x, kernel_size, stride, padding)
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


def max_pool2d(x, kernel_size=2, *, stride=None, padding=0, impl="fast"):
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


def avg_pool2d(x, kernel_size=2, *, stride=None, padding=0, impl="fast"):
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


# ----------------------------------------------------------------------------- backward


def max_pool2d_backward(dout, x, kernel_size, *, stride=None, padding=0, impl="fast"):
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


def avg_pool2d_backward(dout, x, kernel_size, *, stride=None, padding=0, impl="fast"):
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
    x, kernel, stride, padding, out_size = _check_pool_args(x, kernel_size, stride, padding)
    check_same_kind(x, dout=dout)
    _check_pooled_shape(dout, x, kernel, stride, padding, out_size)
    if is_tensor(x):
        return _pool2d_backward_torch(kind, dout.to(x.dtype), x, kernel, stride, padding)
    dtype = np.result_type(dout, x)
    dout, x = dout.astype(dtype, copy=False), x.astype(dtype, copy=False)
    fill = -np.inf if kind == "max" else 0.0
    xp = _pad(x, padding, fill)
    backward = {("max", "naive"): _max_pool_naive, ("max", "fast"): _max_pool_fast,
                ("avg", "naive"): _avg_pool_naive, ("avg", "fast"): _avg_pool_fast}[kind, impl]
    dxp = backward(dout, xp, kernel, stride)
    return unpad2d(dxp, [(p, p) for p in padding])


def _check_pooled_shape(dout, x, kernel, stride, padding, out_size):
    """``dout`` must have the pooled output's shape; say how that shape was computed."""
    expected = tuple(x.shape[:-2]) + tuple(out_size)
    if tuple(dout.shape) != expected:
        formulas = [output_size_arithmetic(n, k, (p, p), s, axis=axis)
                    for axis, n, p, k, s in zip("HW", x.shape[-2:], padding, kernel, stride)]
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


__all__ = ["max_pool2d", "avg_pool2d", "global_avg_pool2d", "max_pool2d_backward", "avg_pool2d_backward"]
