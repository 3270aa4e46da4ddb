"""Transposed convolution: every input pixel stamps the kernel, scaled by its value, onto the output.

A convolution with stride ``s`` maps many input pixels to one output pixel;
its transpose maps one input pixel to many output pixels, so it *upsamples*
(d2l calls it the "transposed convolution", some papers "deconvolution")::

    out[n, o, i*s + d*m - P, j*s + d*l - P] += x[n, c, i, j] * w[c, o, m, l]

for every input pixel ``(i, j)`` and kernel tap ``(m, l)``, with ``o`` the
output channels of ``c``'s group. The output is
``H_out = (H - 1)*s - 2P + d(F - 1) + output_padding + 1`` rows high
(:func:`cnnlab.shapes.conv_transpose_output_size`).

It is the matrix transpose of the strided convolution: with ``C`` the matrix
of ``conv2d`` (see :func:`cnnlab.conv_views.conv_matrix`),
``conv_transpose2d`` multiplies by ``C.T``. That is why the lecture's
``dL/dX`` of a conv layer is a transposed convolution of ``dL/dZ``
(:func:`cnnlab.backprop.conv2d_backward`): the same numbers, here as a layer of
its own, as ``torch.nn.functional.conv_transpose2d``. Weights have torch's
layout ``(C_in, C_out / groups, kh, kw)``: the layout of the convolution it
transposes.
"""

import numpy as np

from ._backend import is_tensor
from ._validate import check_choice, check_int, check_pair, describe, layer_arrays
from .conv import conv2d
from .shapes import conv_transpose_output_size
from .vocabulary import IMPLS


def conv_transpose2d(x, w, b=None, *, stride=1, padding=0, output_padding=0, dilation=1, groups=1,
                     impl="fast"):
    """2-D transposed convolution on (N, C_in, H, W), as ``F.conv_transpose2d``.

    Parameters
    ----------
    x : array_like or torch.Tensor, shape (N, C_in, H, W) or (C_in, H, W)
    w : array_like, shape (C_in, C_out / groups, kh, kw)
        torch's layout: the weights of the convolution this one transposes.
    b : array_like, shape (C_out,), optional
    stride, dilation : int or (h, w)
    padding : int or (ph, pw)
        Rows and columns cut from each side of the full output (the padding
        of the convolution this one transposes).
    output_padding : int or (h, w)
        Rows and columns added at the bottom and right, to reach the input
        size of a strided convolution that dropped some; smaller than the
        stride or the dilation (torch's rule).
    groups : int
    impl : {'fast', 'naive'}
        ``'naive'`` stamps the kernel once per input pixel (the definition);
        ``'fast'`` inserts ``s - 1`` zeros between the input pixels and runs
        one stride-1 correlation with the flipped kernel (:func:`cnnlab.conv.conv2d`).
        Tensors always use ``F.conv_transpose2d``.

    Returns
    -------
    out : shape (N, C_out, H_out, W_out), or (C_out, H_out, W_out) for one image;
        ``H_out = (H - 1)*s - 2P + d(kh - 1) + output_padding + 1``.

    Examples
    --------
    One pixel stamps the kernel; two pixels a stride apart stamp it twice, overlapping:

    >>> conv_transpose2d(np.array([[[1.0]]]), np.array([[[[1.0, 2.0], [3.0, 4.0]]]]))
    array([[[1., 2.],
            [3., 4.]]])
    >>> conv_transpose2d(np.array([[[1.0, 10.0]]]), np.ones((1, 1, 1, 3)), stride=2)
    array([[[ 1.,  1., 11., 10., 10.]]])
    """
    impl = check_choice(impl, "impl", IMPLS)
    x, w, b, single = layer_arrays(x, w, b, "(N, C_in, H, W) or (C_in, H, W)", "(C_in, C_out/groups, kh, kw)")
    stride, dilation = check_pair(stride, "stride", 1), check_pair(dilation, "dilation", 1)
    padding = check_pair(padding, "padding", 0)
    output_padding = check_pair(output_padding, "output_padding", 0)
    groups = check_int(groups, "groups", 1)
    _check_arguments(x, w, b, stride, dilation, output_padding, groups)
    size = tuple(conv_transpose_output_size(n, k, p, s, d, o) for n, k, p, s, d, o
                 in zip(x.shape[-2:], w.shape[-2:], padding, stride, dilation, output_padding))
    if is_tensor(x):
        import torch.nn.functional as F

        out = F.conv_transpose2d(x, w, b, stride=stride, padding=padding, output_padding=output_padding,
                                 groups=groups, dilation=dilation)
    else:
        transpose = _transpose_naive if impl == "naive" else _transpose_fast
        out = transpose(x, w, stride, padding, output_padding, dilation, groups)[..., :size[0], :size[1]]
        out = out if b is None else out + b[:, None, None]
    return out[0] if single else out


def _check_arguments(x, w, b, stride, dilation, output_padding, groups):
    """Channels, groups, bias and output padding must agree, with messages that say how."""
    channels = x.shape[1]
    if channels % groups or w.shape[0] != channels:
        raise ValueError(f"w must have one row of kernels per input channel, w.shape[0] = {channels} "
                         f"(x has {channels} channels; groups={groups} must divide them), got {describe(w)}")
    out_channels = w.shape[1] * groups
    if b is not None and tuple(b.shape) != (out_channels,):
        raise ValueError(f"b must hold one bias per output channel, shape ({out_channels},), got {describe(b)}")
    for axis, o, s, d in zip(("height", "width"), output_padding, stride, dilation):
        if o >= max(s, d):
            raise ValueError(f"output_padding must be smaller than the stride or the dilation (torch's rule), "
                             f"got output_padding {o} with stride {s} and dilation {d} along the {axis}")


def _transpose_naive(x, w, stride, padding, output_padding, dilation, groups):
    """The definition: each input pixel adds its value times the kernel at ``(i*s, j*s)``; then crop."""
    (sh, sw), (dh, dw), (ph, pw) = stride, dilation, padding
    batch, channels, height, width = x.shape
    _, out_group, kh, kw = w.shape
    in_group = channels // groups
    full_h = (height - 1) * sh + dh * (kh - 1) + 1 + output_padding[0]
    full_w = (width - 1) * sw + dw * (kw - 1) + 1 + output_padding[1]
    full = np.zeros((batch, out_group * groups, full_h, full_w), dtype=x.dtype)
    for n in range(batch):
        for c in range(channels):
            outs = slice(c // in_group * out_group, (c // in_group + 1) * out_group)
            for i in range(height):
                for j in range(width):
                    for m in range(kh):
                        for l in range(kw):
                            full[n, outs, i * sh + dh * m, j * sw + dw * l] += x[n, c, i, j] * w[c, :, m, l]
    return full[..., ph:, pw:]


def _transpose_fast(x, w, stride, padding, output_padding, dilation, groups):
    """Insert ``s - 1`` zeros between input pixels, pad by the kernel's span, correlate with the flipped kernel.

    The flipped kernel has its channels swapped within each group:
    ``w'[g, o, c] = w[g, c, o][::-1, ::-1]``, the layout of an ordinary convolution.
    """
    (sh, sw), (dh, dw), (ph, pw) = stride, dilation, padding
    batch, channels, height, width = x.shape
    _, out_group, kh, kw = w.shape
    spread = np.zeros((batch, channels, (height - 1) * sh + 1, (width - 1) * sw + 1), dtype=x.dtype)
    spread[..., ::sh, ::sw] = x
    flipped = w.reshape(groups, channels // groups, out_group, kh, kw).transpose(0, 2, 1, 3, 4)
    flipped = flipped.reshape(groups * out_group, channels // groups, kh, kw)[..., ::-1, ::-1]
    span_h, span_w = dh * (kh - 1), dw * (kw - 1)
    pads = ((span_h, span_h + output_padding[0]), (span_w, span_w + output_padding[1]))
    full = conv2d(spread, np.ascontiguousarray(flipped), padding=pads, dilation=dilation, groups=groups)
    return full[..., ph:, pw:]


__all__ = ["conv_transpose2d"]
