"""Shapes and parameter counts: how big is the output, how many weights does a layer hold.

Everything here is arithmetic on sizes; no arrays are touched. The one
formula behind every size (PyTorch's, and the lecture's with ``d = 1``)::

    N_out = floor((N + 2P - d(F - 1) - 1) / S) + 1

With ``d = 1`` that is the notes' ``floor((N + 2P - F)/S) + 1``. Dilation
``d = 1`` means no gaps, as in PyTorch and Keras (CS231n calls that
"dilation 0"). Parameter counts follow the notes: ``(F*F*D)*K + K``.

The Keras-style layer specs (:class:`~cnnlab.layers.Conv2D`, ...),
:func:`~cnnlab.stacks.summary` and :func:`~cnnlab.stacks.receptive_field`
build on these formulas in :mod:`cnnlab.layers` and :mod:`cnnlab.stacks`; this module knows nothing of
them.
"""

from ._validate import check_int, check_pair
from .padding import resolve_padding


def resolve_padding_1d(padding, kernel, dilation=1):
    """``(before, after)`` along one axis from an int, a ``(before, after)`` pair or a string.

    The one-axis version of :func:`cnnlab.padding.resolve_padding`, for
    :func:`conv_output_size` and 1-D layers.

    Examples
    --------
    >>> resolve_padding_1d(2, kernel=3), resolve_padding_1d((0, 1), kernel=3)
    ((2, 2), (0, 1))
    >>> resolve_padding_1d("same", kernel=4), resolve_padding_1d("full", kernel=3, dilation=2)
    ((1, 2), (4, 4))
    """
    if isinstance(padding, (tuple, list)):
        before, after = check_pair(padding, "padding", minimum=0)
        return before, after
    (before, after), _ = resolve_padding(padding, kernel_size=kernel, dilation=dilation)
    return before, after


def conv_output_size(n, kernel, padding=0, stride=1, dilation=1, strict=False):
    """Output length of a convolution along one axis.

    ``N_out = floor((N + P_before + P_after - d(F - 1) - 1) / S) + 1``, i.e. the
    lecture's ``floor((N + 2P - F)/S) + 1`` when ``d = 1``.

    Parameters
    ----------
    n : int
        Input length ``N``.
    kernel : int
        Kernel length ``F``.
    padding : int, (before, after) or {'valid', 'same', 'full'}
        ``P`` on each side, or a pair for asymmetric padding; the strings are
        resolved by :func:`cnnlab.padding.resolve_padding`.
    stride : int
        ``S >= 1``.
    dilation : int
        ``d >= 1``; the kernel then spans ``d(F - 1) + 1`` input pixels.
    strict : bool
        If True, raise a ``ValueError`` when the stride does not fit, i.e. when
        the notes' fraction ``(N + 2P - F)/S + 1`` is not a whole number
        ("fractions are illegal"). If False, floor it as every framework does.

    Returns
    -------
    int

    Examples
    --------
    >>> [conv_output_size(7, 3, stride=s) for s in (1, 2, 3)]
    [5, 3, 2]
    >>> conv_output_size(7, 3, stride=3, strict=True)
    Traceback (most recent call last):
    ...
    ValueError: stride 3 does not fit: (N + 2P - F)/S + 1 = (7 + 0 - 3)/3 + 1 = 2.33; fractions are illegal (the last 1 input pixel is never reached)
    """
    n = check_int(n, "n", minimum=1)
    kernel = check_int(kernel, "kernel", minimum=1)
    stride = check_int(stride, "stride", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    before, after = resolve_padding_1d(padding, kernel, dilation)
    span = dilation * (kernel - 1) + 1
    room = n + before + after - span
    if room < 0:
        raise ValueError(
            f"kernel is larger than the padded input: the kernel spans {span} pixels "
            f"(d(F-1)+1 with F={kernel}, d={dilation}) but the padded input has "
            f"{n + before + after} (N={n} + padding {before}+{after})"
        )
    if strict and room % stride:
        padded = f"{n} + {before + after}" if before == after else f"{n} + {before} + {after}"
        left_over = room % stride
        raise ValueError(
            f"stride {stride} does not fit: (N + 2P - F)/S + 1 = ({padded} - {span})/{stride} + 1 "
            f"= {room / stride + 1:.2f}; fractions are illegal "
            f"(the last {left_over} input pixel{'s' * (left_over > 1)} "
            f"{'are' if left_over > 1 else 'is'} never reached)"
        )
    return room // stride + 1


def pool_output_size(n, kernel, stride=None, padding=0, strict=False):
    """Output length of pooling along one axis: ``floor((N + 2P - F)/S) + 1``.

    ``stride`` defaults to the window size ``kernel``, as in PyTorch and Keras
    (non-overlapping windows). The notes' ``(W - F)/S + 1`` is the case ``P = 0``.

    Examples
    --------
    >>> pool_output_size(26, 2)
    13
    >>> pool_output_size(7, 3, stride=2)
    3
    """
    stride = kernel if stride is None else stride
    return conv_output_size(n, kernel, padding=padding, stride=stride, strict=strict)


def conv_transpose_output_size(n, kernel, padding=0, stride=1, dilation=1, output_padding=0):
    """Output length of a transposed convolution: ``(N - 1)S - 2P + d(F - 1) + output_padding + 1``.

    The input length of the convolution it transposes: ``conv_output_size``
    of the result gives ``n`` back (``output_padding`` picks among the sizes a
    stride maps to the same ``n``).

    Examples
    --------
    >>> conv_transpose_output_size(3, 3, padding=1, stride=2), conv_output_size(5, 3, padding=1, stride=2)
    (5, 3)
    >>> conv_transpose_output_size(1, 3, padding=2)
    Traceback (most recent call last):
    ...
    ValueError: padding 2 cuts the whole output of the transposed convolution: (N - 1)S - 2P + d(F - 1) + output_padding + 1 = (1 - 1)*1 - 2*2 + 1*(3 - 1) + 0 + 1 = -1
    """
    n = check_int(n, "n", minimum=1)
    kernel = check_int(kernel, "kernel", minimum=1)
    padding = check_int(padding, "padding", minimum=0)
    stride = check_int(stride, "stride", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    output_padding = check_int(output_padding, "output_padding", minimum=0)
    size = (n - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if size < 1:
        raise ValueError(
            f"padding {padding} cuts the whole output of the transposed convolution: "
            f"(N - 1)S - 2P + d(F - 1) + output_padding + 1 = ({n} - 1)*{stride} - 2*{padding} "
            f"+ {dilation}*({kernel} - 1) + {output_padding} + 1 = {size}")
    return size


def output_size_arithmetic(n, kernel, padding=(0, 0), stride=1, dilation=1, axis="N"):
    """:func:`conv_output_size` with its arithmetic written out, for error messages.

    Examples
    --------
    >>> output_size_arithmetic(5, 3, (1, 1), stride=2, axis="H")
    'H_out = floor((5 + 1 + 1 - 1*(3-1) - 1)/2) + 1 = 3'
    """
    before, after = resolve_padding_1d(padding, kernel, dilation)
    out = conv_output_size(n, kernel, (before, after), stride, dilation)
    return (f"{axis}_out = floor(({n} + {before} + {after} - {dilation}*({kernel}-1) - 1)"
            f"/{stride}) + 1 = {out}")


def same_padding(kernel, dilation=1):
    """Padding ``P = (F - 1)/2`` per side that keeps the size at stride 1 (the notes' "same").

    With dilation the kernel spans ``d(F - 1) + 1`` pixels, so ``P = d(F - 1)/2``.

    Raises
    ------
    ValueError
        If the total ``d(F - 1)`` is odd (an even kernel): the padding cannot be
        split evenly between the two sides.

    Examples
    --------
    >>> [same_padding(f) for f in (3, 5, 7)]
    [1, 2, 3]
    >>> same_padding(4)
    Traceback (most recent call last):
    ...
    ValueError: kernel 4 is even: 'same' needs d(F-1) = 3 padding in total, which cannot be split evenly; pad asymmetrically, e.g. padding=(1, 2) (one more after, as torch and Keras do), or use an odd kernel
    """
    kernel = check_int(kernel, "kernel", minimum=1)
    dilation = check_int(dilation, "dilation", minimum=1)
    total = dilation * (kernel - 1)
    if total % 2:
        raise ValueError(
            f"kernel {kernel} is even: 'same' needs d(F-1) = {total} padding in total, which "
            f"cannot be split evenly; pad asymmetrically, e.g. padding=({total // 2}, "
            f"{total - total // 2}) (one more after, as torch and Keras do), or use an odd kernel"
        )
    return total // 2


def conv_params(kernel_size, in_channels, out_channels, bias=True, groups=1):
    """Number of learnable parameters of a conv layer: ``(F*F*D)*K + K``.

    Each of the ``K = out_channels`` filters has ``F*F*D`` weights (``D =
    in_channels / groups`` input channels each) and, with ``bias``, one bias.

    Examples
    --------
    >>> conv_params(5, in_channels=3, out_channels=10)
    760
    >>> conv_params(3, in_channels=64, out_channels=64, groups=64)  # depthwise
    640
    """
    kh, kw = check_pair(kernel_size, "kernel_size", minimum=1)
    in_channels = check_int(in_channels, "in_channels", minimum=1)
    out_channels = check_int(out_channels, "out_channels", minimum=1)
    groups = check_int(groups, "groups", minimum=1)
    for name, channels in (("in_channels", in_channels), ("out_channels", out_channels)):
        if channels % groups:
            raise ValueError(f"{name} must be divisible by groups={groups}, got {channels}")
    return kh * kw * (in_channels // groups) * out_channels + (out_channels if bias else 0)


def dense_params(in_features, out_features, bias=True):
    """Number of learnable parameters of a dense layer: ``in * out + out``.

    Examples
    --------
    >>> dense_params(64 * 22 * 22, 1)
    30977
    """
    in_features = check_int(in_features, "in_features", minimum=1)
    out_features = check_int(out_features, "out_features", minimum=1)
    return in_features * out_features + (out_features if bias else 0)


def conv_operations(output_size, kernel_size, in_channels=1):
    """Multiplications plus additions of a convolution (no bias): ``outputs * (2*F*F*D - 1)``.

    Each output pixel multiplies ``F*F*D`` pairs and adds them up with
    ``F*F*D - 1`` additions.

    Examples
    --------
    >>> conv_operations((280, 319), kernel_size=(1, 2))  # the notes' 319*280*3
    267960
    """
    out_h, out_w = check_pair(output_size, "output_size", minimum=1)
    kh, kw = check_pair(kernel_size, "kernel_size", minimum=1)
    taps = kh * kw * check_int(in_channels, "in_channels", minimum=1)
    return out_h * out_w * (2 * taps - 1)


__all__ = [
    "conv_output_size", "pool_output_size", "same_padding", "conv_params", "dense_params",
    "conv_operations", "resolve_padding_1d", "output_size_arithmetic", "conv_transpose_output_size",
]
