"""Padding: add a border around an image before convolving or pooling.

Five ways to fill the border, shown on the row ``1 2 3`` padded by 2:

==========  =====================  ================  ==================
cnnlab      result                 NumPy ``np.pad``  torch ``F.pad``
==========  =====================  ================  ==================
zeros       ``0 0 | 1 2 3 | 0 0``  constant          constant
reflect     ``3 2 | 1 2 3 | 2 1``  reflect           reflect
symmetric   ``2 1 | 1 2 3 | 3 2``  symmetric         (none: built here)
replicate   ``1 1 | 1 2 3 | 3 3``  edge              replicate
circular    ``2 3 | 1 2 3 | 1 2``  wrap              circular
==========  =====================  ================  ==================

Aliases accepted everywhere: ``constant`` and ``fill`` (zeros), ``edge``
(replicate), ``wrap`` (circular), ``symm`` (symmetric, SciPy's name).
"""

import functools

import numpy as np

from ._backend import is_tensor
from ._validate import as_float_array, check_choice, check_int, check_pair, describe, renamed_arguments

PADDING_MODES = ("zeros", "reflect", "symmetric", "replicate", "circular")

MODE_ALIASES = {
    "zeros": "zeros", "constant": "zeros", "fill": "zeros",
    "reflect": "reflect",
    "symmetric": "symmetric", "symm": "symmetric",
    "replicate": "replicate", "edge": "replicate",
    "circular": "circular", "wrap": "circular",
}

NUMPY_MODES = {
    "zeros": "constant", "reflect": "reflect", "symmetric": "symmetric",
    "replicate": "edge", "circular": "wrap",
}

PADDING_STRINGS = ("valid", "same", "full")

SMALL_PAD = 1 << 14  # elements up to which pad2d gathers rows and columns instead of calling np.pad


def canonical_mode(padding_mode, name="padding_mode"):
    """Map any accepted padding-mode name to cnnlab's name.

    Examples
    --------
    >>> canonical_mode("edge")
    'replicate'
    >>> canonical_mode("mirror")
    Traceback (most recent call last):
    ...
    ValueError: padding_mode must be one of 'zeros', 'constant', 'fill', 'reflect', 'symmetric', 'symm', 'replicate', 'edge', 'circular', 'wrap', got 'mirror'
    """
    if type(padding_mode) is str and padding_mode in MODE_ALIASES:
        return MODE_ALIASES[padding_mode]
    return MODE_ALIASES[check_choice(padding_mode, name, tuple(MODE_ALIASES))]


def _exact_ints(value):
    """An int or a pair of ints, exactly: ``True`` and ``3.0`` equal ``1`` and ``3`` as cache keys, but are refused."""
    if type(value) is tuple and len(value) == 2:
        return type(value[0]) is int and type(value[1]) is int
    return type(value) is int


@functools.lru_cache(maxsize=256)
def _string_padding(padding, kernel_size, dilation):
    """:func:`resolve_padding` of ``'valid'``, ``'same'`` or ``'full'`` (cached: layers ask again and again)."""
    check_choice(padding, "padding", PADDING_STRINGS)
    if padding == "valid":
        return ((0, 0), (0, 0))
    if kernel_size is None:
        raise ValueError(f"padding={padding!r} needs the kernel size, got kernel_size=None")
    kh, kw = check_pair(kernel_size, "kernel_size", minimum=1)
    dh, dw = check_pair(dilation, "dilation", minimum=1)
    total_h, total_w = dh * (kh - 1), dw * (kw - 1)
    if padding == "full":
        return ((total_h, total_h), (total_w, total_w))
    return ((total_h // 2, total_h - total_h // 2), (total_w // 2, total_w - total_w // 2))


def resolve_padding(padding, kernel_size=None, dilation=1):
    """Turn any padding spec into ``((top, bottom), (left, right))``.

    Parameters
    ----------
    padding : int, (ph, pw), ((top, bottom), (left, right)), or {'valid', 'same', 'full'}
        ``"valid"`` pads nothing; ``"same"`` pads ``d*(k-1)`` in total so that a
        stride-1 output keeps the input size (odd kernels: ``P = (F-1)/2`` on
        each side; even kernels put the extra row/column at the bottom/right,
        as torch does); ``"full"`` pads ``d*(k-1)`` on every side, so each
        output sees at least one input pixel.
    kernel_size : int or (kh, kw), optional
        Needed for ``"same"`` and ``"full"``.
    dilation : int or (dh, dw)

    Examples
    --------
    >>> resolve_padding(1)
    ((1, 1), (1, 1))
    >>> resolve_padding("same", kernel_size=5)
    ((2, 2), (2, 2))
    >>> resolve_padding("same", kernel_size=(2, 3))
    ((0, 1), (1, 1))
    >>> resolve_padding("full", kernel_size=3)
    ((2, 2), (2, 2))
    """
    if type(padding) is int and padding >= 0:
        return ((padding, padding), (padding, padding))  # the common case
    if isinstance(padding, str):
        if _exact_ints(kernel_size) and _exact_ints(dilation):
            return _string_padding(padding, kernel_size, dilation)
        return _string_padding.__wrapped__(padding, kernel_size, dilation)  # checked and computed each time
    if isinstance(padding, (tuple, list)) and len(padding) == 2 and all(
        isinstance(p, (tuple, list)) for p in padding
    ):
        (top, bottom), (left, right) = (check_pair(p, "padding", minimum=0) for p in padding)
        return ((top, bottom), (left, right))
    try:
        ph, pw = check_pair(padding, "padding", minimum=0)
    except (TypeError, ValueError):
        raise ValueError(
            "padding must be a non-negative int, a pair (ph, pw), a pair of pairs "
            f"((top, bottom), (left, right)), or one of 'valid', 'same', 'full'; got {describe(padding)}"
        ) from None
    return ((ph, ph), (pw, pw))


def _check_pad_fits(shape, pads, mode):
    """Reflect needs ``pad < size``; symmetric and circular need ``pad <= size``."""
    limits = {"reflect": 1, "symmetric": 0, "circular": 0}
    if mode not in limits:
        return
    for axis, size, (before, after) in zip(("height", "width"), shape[-2:], pads):
        largest = size - limits[mode]
        if max(before, after) > largest:
            raise ValueError(
                f"{mode} padding of {max(before, after)} is wider than the input allows: "
                f"the input {axis} is {size}, so {mode} padding can be at most {largest}"
            )


def pad_indices(size, before, after, mode):
    """Index of the source pixel for every position of a padded axis (``-1`` for zeros).

    Examples
    --------
    >>> pad_indices(3, 2, 2, "symmetric")
    array([1, 0, 0, 1, 2, 2, 1])
    >>> pad_indices(3, 1, 1, "zeros")
    array([-1,  0,  1,  2, -1])
    """
    mode = canonical_mode(mode)
    if mode == "zeros":
        return np.pad(np.arange(size), (before, after), mode="constant", constant_values=-1)
    return np.pad(np.arange(size), (before, after), mode=NUMPY_MODES[mode])


@functools.lru_cache(maxsize=256)
def _source_indices(size, before, after, mode):
    """:func:`pad_indices` (not for zeros), computed once per geometry; read-only, as it is shared."""
    index = pad_indices(size, before, after, mode)
    index.setflags(write=False)
    return index


@renamed_arguments(mode="padding_mode")
def pad2d(x, padding, padding_mode="zeros", *, kernel_size=None, dilation=1):
    """Pad the last two axes (height, width) of ``x``.

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (H, W), (C, H, W) or (N, C, H, W)
    padding : int, (ph, pw), ((top, bottom), (left, right)), or {'valid', 'same', 'full'}
        See :func:`resolve_padding`; the strings need ``kernel_size``.
    padding_mode : {'zeros', 'reflect', 'symmetric', 'replicate', 'circular'}
        Or an alias: ``constant``/``fill``, ``edge``, ``wrap``, ``symm``.
    kernel_size, dilation : int or pair, optional
        Only for the string paddings.

    Returns
    -------
    padded : same type as ``x`` (NumPy array, or tensor on the same device),
        shape (..., H + top + bottom, W + left + right).

    Examples
    --------
    >>> a = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    >>> pad2d(a, 1, "reflect")
    array([[5., 4., 5., 6., 5.],
           [2., 1., 2., 3., 2.],
           [5., 4., 5., 6., 5.],
           [8., 7., 8., 9., 8.],
           [5., 4., 5., 6., 5.]])
    >>> pad2d(a, ((0, 0), (1, 2)), "circular")
    array([[3., 1., 2., 3., 1., 2.],
           [6., 4., 5., 6., 4., 5.],
           [9., 7., 8., 9., 7., 8.]])
    """
    x = as_float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions (..., H, W), got {describe(x)}")
    padding_mode = canonical_mode(padding_mode, "padding_mode")
    pads = resolve_padding(padding, kernel_size, dilation)
    _check_pad_fits(x.shape, pads, padding_mode)
    if is_tensor(x):
        return _pad2d_torch(x, pads, padding_mode)
    if padding_mode == "zeros":
        return pad_constant(x, pads)
    if x.size <= SMALL_PAD:  # np.pad's fixed cost is many times the copy here: two gathers instead
        (top, bottom), (left, right) = pads
        rows = _source_indices(x.shape[-2], top, bottom, padding_mode)
        cols = _source_indices(x.shape[-1], left, right, padding_mode)
        return x.take(rows, axis=-2).take(cols, axis=-1)
    widths = [(0, 0)] * (x.ndim - 2) + list(pads)
    return np.pad(x, widths, mode=NUMPY_MODES[padding_mode])


def pad_constant(x, pads, value=0.0):
    """Pad the last two axes of the NumPy array ``x`` with ``value``; ``np.pad(x, ..., constant_values=value)``.

    One new array and one copy: for small images several times faster than ``np.pad``.

    Examples
    --------
    >>> pad_constant(np.ones((1, 2)), ((1, 0), (0, 1)), value=-np.inf)
    array([[-inf, -inf, -inf],
           [  1.,   1., -inf]])
    """
    (top, bottom), (left, right) = pads
    height, width = x.shape[-2:]
    shape = x.shape[:-2] + (height + top + bottom, width + left + right)
    padded = np.zeros(shape, dtype=x.dtype) if value == 0 else np.full(shape, value, dtype=x.dtype)
    padded[..., top:top + height, left:left + width] = x
    return padded


def _pad2d_torch(x, pads, mode):
    """Pad a tensor by gathering rows and columns (all modes, symmetric included)."""
    import torch
    import torch.nn.functional as F

    (top, bottom), (left, right) = pads
    if mode == "zeros":
        return F.pad(x, (left, right, top, bottom))
    rows = torch.as_tensor(pad_indices(x.shape[-2], top, bottom, mode), device=x.device)
    cols = torch.as_tensor(pad_indices(x.shape[-1], left, right, mode), device=x.device)
    return x.index_select(-2, rows).index_select(-1, cols)


def unpad2d(x, padding):
    """Remove ``padding`` (as :func:`resolve_padding` returns it) from the last two axes.

    The inverse of :func:`pad2d` for the values inside; used by backward passes.

    Examples
    --------
    >>> unpad2d(np.ones((4, 5)), ((1, 1), (2, 0))).shape
    (2, 3)
    """
    (top, bottom), (left, right) = padding
    height, width = x.shape[-2], x.shape[-1]
    return x[..., top:height - bottom, left:width - right]


__all__ = ["pad2d", "pad_constant", "unpad2d", "resolve_padding", "canonical_mode", "pad_indices", "PADDING_MODES"]
