"""cnnlab.conv_transpose against torch's F.conv_transpose2d, naive against fast, and against conv2d_backward."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st

from cnnlab.backprop import conv2d_backward
from cnnlab.conv import conv2d
from cnnlab.conv_transpose import conv_transpose2d
from cnnlab.conv_views import conv_matrix
from cnnlab.shapes import conv_output_size, conv_transpose_output_size

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


@st.composite
def transpose_cases(draw):
    """Random shapes and hyperparameters that torch accepts (output_padding < max(stride, dilation))."""
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    h, w = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    padding = []
    for n, k, s, d, o in zip((h, w), (kh, kw), stride, dilation, output_padding):
        full = (n - 1) * s + d * (k - 1) + o + 1
        padding.append(draw(st.integers(0, (full - 1) // 2)))  # at least one output pixel left
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((draw(st.integers(1, 2)), c_in, h, w))
    weights = rng.standard_normal((c_in, c_out // groups, kh, kw))
    bias = rng.standard_normal(c_out) if draw(st.booleans()) else None
    return x, weights, bias, dict(stride=stride, padding=tuple(padding), output_padding=output_padding,
                                  dilation=dilation, groups=groups)


def torch_transpose(x, w, b, args):
    return F.conv_transpose2d(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b),
                              **args).numpy()


@given(transpose_cases())
def test_naive_fast_and_torch_agree(case):
    x, w, b, args = case
    expected = torch_transpose(x, w, b, args)
    for impl in ("naive", "fast"):
        got = conv_transpose2d(x, w, b, impl=impl, **args)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9, err_msg=impl)


@pytest.mark.parametrize("device", DEVICES)
def test_tensors_stay_tensors_on_their_device(device):
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 4, 3, 3)), rng.standard_normal((4, 3, 2, 2)), rng.standard_normal(6)
    args = dict(stride=2, padding=1, output_padding=1, groups=2)
    tensors = [torch.tensor(a, device=device, dtype=torch.float32) for a in (x, w, b)]
    got = conv_transpose2d(*tensors, **args)
    assert isinstance(got, torch.Tensor) and got.device.type == device
    np.testing.assert_allclose(got.cpu().numpy(), conv_transpose2d(x, w, b, **args), rtol=1e-4, atol=1e-5)


@given(transpose_cases())
def test_it_is_the_input_gradient_of_the_strided_convolution(case):
    """The lecture's dL/dX of a conv layer is the transposed convolution of dL/dZ with the same weights."""
    dz, w, _, args = case
    assume(all(o < s for o, s in zip(args["output_padding"], args["stride"])))  # else no conv maps it back
    out = conv_transpose2d(dz, w, **args)
    x = np.zeros(out.shape[:1] + (w.shape[1] * args["groups"],) + out.shape[2:])  # the forward input
    conv = {key: args[key] for key in ("stride", "padding", "dilation", "groups")}
    dx, _, _ = conv2d_backward(dz, x, w, **conv)
    np.testing.assert_allclose(out, dx, rtol=1e-9, atol=1e-9)
    assert conv2d(x, w, **conv).shape == dz.shape  # and the convolution maps the output size back


def test_it_multiplies_by_the_transposed_convolution_matrix():
    x, w = np.arange(6.0).reshape(2, 3), np.array([[1.0, -2.0], [0.5, 3.0]])
    matrix = conv_matrix(w, (3, 4))  # correlate2d of a 3x4 input as a (2*3, 3*4) matrix
    got = conv_transpose2d(x[None, None], w[None, None])[0, 0]
    np.testing.assert_allclose(got.ravel(), matrix.T @ x.ravel())


def test_single_image_and_output_size_formula():
    out = conv_transpose2d(np.ones((1, 4, 4)), np.ones((1, 2, 3, 3)), stride=2, padding=1, output_padding=1)
    assert out.shape == (2, 8, 8)
    assert conv_transpose_output_size(4, 3, padding=1, stride=2, output_padding=1) == 8
    assert conv_output_size(8, 3, padding=1, stride=2) == 4  # the conv it transposes maps 8 back to 4


@pytest.mark.parametrize("call, error, message", [
    (lambda: conv_transpose2d(np.ones((1, 2, 3, 3)), np.ones((3, 1, 2, 2))), ValueError,
     r"w must have one row of kernels per input channel, w.shape\[0\] = 2"),
    (lambda: conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 2, 2, 2)), b=np.ones(3)), ValueError,
     r"b must hold one bias per output channel, shape \(2,\)"),
    (lambda: conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), stride=2, output_padding=2),
     ValueError, "output_padding must be smaller than the stride or the dilation"),
    (lambda: conv_transpose2d(np.ones((1, 1, 1, 1)), np.ones((1, 1, 3, 3)), padding=2), ValueError,
     "padding 2 cuts the whole output of the transposed convolution"),
    (lambda: conv_transpose2d(np.ones((3, 3)), np.ones((1, 1, 2, 2))), ValueError,
     r"x must be 3-D or 4-D with shape \(N, C_in, H, W\) or \(C_in, H, W\)"),
    (lambda: conv_transpose2d(np.ones((1, 1, 3, 3)), np.ones((1, 1, 2, 2)), impl="slow"), ValueError,
     "impl must be one of 'naive', 'fast', got 'slow'"),
])
def test_bad_arguments_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()
