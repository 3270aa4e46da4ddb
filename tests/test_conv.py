"""cnnlab.conv against SciPy (correlate2d, convolve2d, fftconvolve), torch (conv1d, conv2d), NumPy."""

import subprocess
import sys

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.conv import conv1d, conv2d, convolve2d, correlate2d
from cnnlab.conv_views import conv_matrix, fft_convolve2d

SCIPY_BOUNDARY = {"zeros": "fill", "circular": "wrap", "symmetric": "symm"}
NUMPY_MODE = {"zeros": "constant", "reflect": "reflect", "symmetric": "symmetric",
              "replicate": "edge", "circular": "wrap"}


def dilate(w, dilation):
    """The kernel with ``d - 1`` zeros between its taps: what dilation means for SciPy."""
    (dh, dw), (kh, kw) = dilation, w.shape
    out = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    out[::dh, ::dw] = w
    return out


@st.composite
def filter_cases(draw):
    """A 2-D image, a kernel (odd or even, up to the image size) and options."""
    h, w = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    boundary = draw(st.sampled_from(sorted(SCIPY_BOUNDARY)))
    mode = draw(st.sampled_from(["valid", "same", "full"]))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # the dilated kernel fits the image, so that every mode and boundary is defined
    kh = draw(st.integers(1, (h - 1) // dilation[0] + 1))
    kw = draw(st.integers(1, (w - 1) // dilation[1] + 1))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    return rng.standard_normal((h, w)), rng.standard_normal((kh, kw)), mode, boundary, stride, dilation


@given(filter_cases(), st.sampled_from(["correlate", "convolve"]))
def test_filters_match_scipy_fast_and_naive(case, kind):
    x, w, mode, boundary, stride, dilation = case
    ours, theirs = {"correlate": (correlate2d, scipy.signal.correlate2d),
                    "convolve": (convolve2d, scipy.signal.convolve2d)}[kind]
    expected = theirs(x, dilate(w, dilation), mode, boundary=SCIPY_BOUNDARY[boundary])
    expected = expected[::stride[0], ::stride[1]]
    for impl in ("fast", "naive"):
        got = ours(x, w, mode, stride=stride, dilation=dilation, padding_mode=boundary, impl=impl)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("kernel_shape", [(2, 2), (2, 3), (3, 2), (4, 4), (1, 2)])
@pytest.mark.parametrize("kind", ["correlate", "convolve"])
def test_even_kernels_in_same_mode_are_centred_like_scipy(kernel_shape, kind):
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((6, 7)), rng.standard_normal(kernel_shape)
    ours, theirs = {"correlate": (correlate2d, scipy.signal.correlate2d),
                    "convolve": (convolve2d, scipy.signal.convolve2d)}[kind]
    np.testing.assert_allclose(ours(x, w, "same"), theirs(x, w, "same"), atol=1e-12)


@pytest.mark.parametrize("alias, scipy_name", [("fill", "fill"), ("constant", "fill"),
                                               ("wrap", "wrap"), ("symm", "symm")])
def test_scipy_boundary_names_are_accepted(alias, scipy_name):
    x, w = np.arange(20.0).reshape(4, 5), np.array([[1.0, -2.0], [0.5, 3.0]])
    np.testing.assert_allclose(correlate2d(x, w, "full", padding_mode=alias),
                               scipy.signal.correlate2d(x, w, "full", boundary=scipy_name))


@pytest.mark.parametrize("boundary", ["reflect", "replicate"])
def test_extra_boundaries_pad_like_numpy(boundary):
    x, w = np.arange(30.0).reshape(5, 6), np.arange(9.0).reshape(3, 3) - 4
    padded = np.pad(x, 1, mode=NUMPY_MODE[boundary])
    np.testing.assert_allclose(correlate2d(x, w, "same", padding_mode=boundary),
                               scipy.signal.correlate2d(padded, w, "valid"))


def test_convolution_flips_the_kernel():
    x = np.random.default_rng(2).standard_normal((5, 6))
    w = np.array([[1.0, 2.0, 0.0], [3.0, -1.0, 4.0]])
    np.testing.assert_allclose(convolve2d(x, w), correlate2d(x, w[::-1, ::-1]))


@st.composite
def layer_cases(draw, ndim=2):
    """Random (N, C, spatial...) input, weights, bias and options that torch accepts."""
    groups = draw(st.sampled_from([1, 2, 3]))
    n = draw(st.integers(1, 3))
    c, k = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 4)) for _ in range(ndim))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(ndim))
    size = tuple(draw(st.integers(d * (f - 1) + 1, d * (f - 1) + 7)) for f, d in zip(kernel, dilation))
    stride = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, c) + size)
    w = rng.standard_normal((k, c // groups) + kernel)
    b = rng.standard_normal(k) if draw(st.booleans()) else None
    return x, w, b, stride, dilation, groups


def torch_conv2d(x, w, b, stride, padding, dilation, groups, padding_mode="zeros"):
    """The reference: np.pad for the border (all modes), then F.conv2d without padding."""
    (top, bottom), (left, right) = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), mode=NUMPY_MODE[padding_mode])
    bias = None if b is None else torch.tensor(b)
    return F.conv2d(torch.tensor(xp), torch.tensor(w), bias, stride, 0, dilation, groups).numpy()


@given(layer_cases(), st.tuples(*[st.integers(0, 2)] * 4),
       st.sampled_from(["zeros", "reflect", "symmetric", "replicate", "circular"]))
def test_conv2d_matches_torch_fast_and_naive(case, pads, padding_mode):
    x, w, b, stride, dilation, groups = case
    # reflect needs the padding to be smaller than the input
    pads = tuple(min(p, size - 1) for p, size in zip(pads, np.repeat(x.shape[2:], 2)))
    padding = (pads[:2], pads[2:])
    expected = torch_conv2d(x, w, b, stride, padding, dilation, groups, padding_mode)
    for impl in ("fast", "naive"):
        got = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode, impl=impl)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@given(layer_cases(), st.sampled_from(["zeros", "reflect", "replicate", "circular"]),
       st.integers(0, 2))
def test_conv2d_padding_modes_match_torch_conv2d_module(case, padding_mode, padding):
    x, w, b, stride, dilation, groups = case
    padding = min(padding, *(s - 1 for s in x.shape[2:]))
    layer = torch.nn.Conv2d(x.shape[1], w.shape[0], w.shape[2:], stride, padding, dilation,
                            groups, bias=b is not None, padding_mode=padding_mode).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w))
        if b is not None:
            layer.bias.copy_(torch.tensor(b))
        expected = layer(torch.tensor(x)).numpy()
    got = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("stride", [(2, 3), (3, 1), (3, 4)])
@pytest.mark.parametrize("padding", [((1, 2), (0, 1)), ((2, 0), (3, 2)), ((4, 1), (1, 4))])
def test_zero_padding_built_into_the_stride_phases_matches_torch(stride, padding):
    rng = np.random.default_rng(8)
    x, w = rng.standard_normal((2, 3, 10, 9)), rng.standard_normal((4, 3, 3, 2))
    expected = torch_conv2d(x, w, None, stride, padding, (2, 1), 1)
    np.testing.assert_allclose(conv2d(x, w, None, stride=stride, padding=padding, dilation=(2, 1)), expected, atol=1e-12)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("kernel", [(2, 2), (3, 4), (4, 1), (5, 5)])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv2d_same_padding_follows_torch_for_even_kernels(kernel, dilation):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 3, 9, 10)), rng.standard_normal((4, 3) + kernel)
    expected = F.conv2d(torch.tensor(x), torch.tensor(w), padding="same", dilation=dilation)
    got = conv2d(x, w, padding="same", dilation=dilation)
    assert got.shape == (2, 4, 9, 10)
    np.testing.assert_allclose(got, expected.numpy(), atol=1e-12)


@given(layer_cases(ndim=1), st.integers(0, 2),
       st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
def test_conv1d_matches_torch(case, padding, padding_mode):
    x, w, b, (stride,), (dilation,), groups = case
    padding = min(padding, x.shape[-1] - 1)
    layer = torch.nn.Conv1d(x.shape[1], w.shape[0], w.shape[2], stride, padding, dilation,
                            groups, bias=b is not None, padding_mode=padding_mode).double()
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(w))
        if b is not None:
            layer.bias.copy_(torch.tensor(b))
        expected = layer(torch.tensor(x)).numpy()
    for impl in ("fast", "naive"):
        got = conv1d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups, padding_mode=padding_mode, impl=impl)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


def test_conv1d_same_and_asymmetric_padding():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 11)), rng.standard_normal((5, 3, 4))
    expected = F.conv1d(torch.tensor(x), torch.tensor(w), padding="same").numpy()
    np.testing.assert_allclose(conv1d(x, w, padding="same"), expected, atol=1e-12)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 0)))
    expected = F.conv1d(torch.tensor(padded), torch.tensor(w)).numpy()
    np.testing.assert_allclose(conv1d(x, w, padding=(2, 0)), expected, atol=1e-12)


def test_single_image_and_signal_drop_the_batch_axis():
    rng = np.random.default_rng(5)
    image, w = rng.standard_normal((3, 6, 6)), rng.standard_normal((2, 3, 3, 3))
    np.testing.assert_allclose(conv2d(image, w, padding=1), conv2d(image[None], w, padding=1)[0])
    signal, w1 = rng.standard_normal((3, 8)), rng.standard_normal((2, 3, 3))
    assert conv1d(signal, w1).shape == (2, 6)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_tensor_input_returns_a_tensor_with_the_same_values(dtype):
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 4, 7, 7)), rng.standard_normal((6, 2, 3, 3))
    b = rng.standard_normal(6)
    xt = torch.tensor(x, dtype=dtype)
    got = conv2d(xt, w, b, stride=2, padding=1, groups=2, padding_mode="symmetric")
    assert isinstance(got, torch.Tensor) and got.device == xt.device and got.dtype == dtype
    expected = conv2d(x, w, b, stride=2, padding=1, groups=2, padding_mode="symmetric")
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-5, atol=1e-5)
    image = torch.tensor(x[0, 0], dtype=dtype)
    for ours in (correlate2d, convolve2d, fft_convolve2d):
        got = ours(image, w[0, 0], "same")
        assert isinstance(got, torch.Tensor) and got.dtype == dtype
        np.testing.assert_allclose(got.numpy(), ours(x[0, 0], w[0, 0], "same"), rtol=1e-5, atol=1e-5)
    got = conv1d(torch.tensor(x[:, :, 0], dtype=dtype), w[:, :, 0], b, groups=2)
    np.testing.assert_allclose(got.numpy(), conv1d(x[:, :, 0], w[:, :, 0], b, groups=2), atol=1e-5)


def test_weights_follow_the_input_type():
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal((1, 2, 6, 6)), rng.standard_normal((3, 2, 3, 3))
    from_tensor_weights = conv2d(x, torch.tensor(w, dtype=torch.float32))
    assert isinstance(from_tensor_weights, np.ndarray) and from_tensor_weights.dtype == np.float64
    np.testing.assert_allclose(from_tensor_weights, conv2d(x, w.astype(np.float32)), atol=1e-12)
    naive_on_tensor = conv2d(torch.tensor(x), w, impl="naive")  # tensors always run on torch
    np.testing.assert_allclose(naive_on_tensor.numpy(), conv2d(x, w), atol=1e-12)


def test_non_contiguous_input_views():
    rng = np.random.default_rng(10)
    big = rng.standard_normal((2, 6, 11, 12))
    x = big[:, ::2, ::-1, 1:]  # strided, reversed, offset
    w = rng.standard_normal((4, 3, 3, 3))
    for padding, stride, kernel in (((1, 2), 2, w), ((0, 0), 1, w[:, :, :1, :1])):
        pads = ((padding[0],) * 2, (padding[1],) * 2)
        expected = torch_conv2d(np.ascontiguousarray(x), kernel, None, (stride, stride), pads, (1, 1), 1)
        got = conv2d(x, kernel, stride=stride, padding=padding)
        np.testing.assert_allclose(got, expected, atol=1e-12)


def test_tensor_input_keeps_autograd():
    x = torch.randn(1, 2, 5, 5, requires_grad=True)
    conv2d(x, np.ones((3, 2, 3, 3)), padding="same").sum().backward()
    assert x.grad.shape == x.shape


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_tensor_stays_on_the_gpu():
    x = torch.randn(2, 3, 8, 8, device="cuda")
    got = conv2d(x, np.ones((4, 3, 3, 3), dtype=np.float32), padding_mode="reflect", padding=1)
    assert got.device == x.device


def test_numpy_path_does_not_import_torch():
    code = ("import sys, numpy as np; from cnnlab.conv import conv2d, correlate2d; from cnnlab.conv_views import fft_convolve2d;"
            "conv2d(np.ones((1, 2, 5, 5)), np.ones((3, 2, 3, 3)), padding=1, padding_mode='reflect');"
            "correlate2d(np.ones((4, 4)), np.ones((2, 2)), 'same');"
            "fft_convolve2d(np.ones((4, 4)), np.ones((2, 2)));"
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_float32_stays_float32_and_uint8_does_not_overflow():
    x32, w32 = np.ones((1, 2, 5, 5), dtype=np.float32), np.ones((1, 2, 3, 3), dtype=np.float32)
    for impl in ("fast", "naive"):
        assert conv2d(x32, w32, impl=impl).dtype == np.float32
    image = np.full((4, 4), 255, dtype=np.uint8)
    np.testing.assert_array_equal(correlate2d(image, np.ones((3, 3), dtype=np.uint8)), 9 * 255)
    batch = np.full((1, 1, 3, 3), 200, dtype=np.uint8)
    assert conv2d(batch, np.full((1, 1, 3, 3), 2, dtype=np.uint8))[0, 0, 0, 0] == 9 * 400


def test_fast_and_naive_agree_on_a_larger_batch_in_float32():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((3, 6, 12, 11), dtype=np.float32)
    w = rng.standard_normal((4, 3, 3, 2), dtype=np.float32)
    fast = conv2d(x, w, None, stride=(2, 1), padding=((1, 2), (0, 1)), dilation=(1, 2), groups=2)
    naive = conv2d(x, w, None, stride=(2, 1), padding=((1, 2), (0, 1)), dilation=(1, 2), groups=2, impl="naive")
    np.testing.assert_allclose(fast, naive, rtol=1e-4, atol=1e-4)


def test_conv_matrix_1d_is_the_lecture_band():
    w1, w2 = 2.0, -3.0
    expected = [[w1, w2, 0, 0], [0, w1, w2, 0], [0, 0, w1, w2]]
    np.testing.assert_array_equal(conv_matrix([w1, w2], (4,)), expected)
    a = np.array([1.0, 4.0, -2.0, 5.0])
    np.testing.assert_allclose(conv_matrix([w1, w2], 4) @ a, np.correlate(a, [w1, w2], "valid"))


@given(st.integers(1, 6), st.integers(1, 6), st.integers(1, 4), st.integers(1, 4), st.integers(0, 99))
def test_conv_matrix_2d_product_equals_valid_correlation(h, w, kh, kw, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    matrix = conv_matrix(kernel, x.shape)
    assert matrix.shape == ((h - kh + 1) * (w - kw + 1), h * w)
    np.testing.assert_allclose(matrix @ x.ravel(), correlate2d(x, kernel).ravel(), atol=1e-12)
    flipped = conv_matrix(kernel[::-1, ::-1], x.shape) @ x.ravel()
    np.testing.assert_allclose(flipped, scipy.signal.convolve2d(x, kernel, "valid").ravel(), atol=1e-12)


@given(st.integers(1, 9), st.integers(1, 9), st.integers(1, 5), st.integers(1, 5),
       st.sampled_from(["full", "same", "valid"]), st.integers(0, 99))
def test_fft_convolve2d_matches_scipy(h, w, kh, kw, mode, seed):
    kh, kw = min(kh, h), min(kw, w)
    rng = np.random.default_rng(seed)
    x, kernel = rng.standard_normal((h, w)), rng.standard_normal((kh, kw))
    expected = scipy.signal.fftconvolve(x, kernel, mode)
    got = fft_convolve2d(x, kernel, mode)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, atol=1e-10)
    np.testing.assert_allclose(got, convolve2d(x, kernel, mode), atol=1e-10)


def test_fft_convolve2d_keeps_float32():
    assert fft_convolve2d(np.ones((5, 5), np.float32), np.ones((3, 3), np.float32)).dtype == np.float32


X4, W4 = np.ones((1, 4, 6, 6)), np.ones((2, 4, 3, 3))
IMAGE, KERNEL = np.ones((3, 3)), np.ones((2, 2))
BAD_INPUTS = {
    "x ndim": (lambda: conv2d(np.ones((6, 6)), W4), ValueError,
               r"x must be 3-D or 4-D with shape \(N, C, H, W\) or \(C, H, W\), got a float64 array "
               r"of shape \(6, 6\)"),
    "w ndim": (lambda: conv2d(X4, np.ones((2, 4, 3))), ValueError, r"w must be 4-D"),
    "channel mismatch": (lambda: conv2d(X4, np.ones((2, 3, 3, 3))), ValueError,
                         r"w must have C/groups = 4 input channels"),
    "groups vs C": (lambda: conv2d(X4, np.ones((2, 2, 3, 3)), groups=3), ValueError,
                    r"groups must divide the 4 input channels"),
    "groups vs K": (lambda: conv2d(X4, np.ones((3, 2, 3, 3)), groups=2), ValueError,
                    r"groups must divide the 3 filters"),
    "bias length": (lambda: conv2d(X4, W4, b=[1.0, 2.0, 3.0]), ValueError,
                    r"b must hold one bias per filter, shape \(2,\)"),
    "stride 0": (lambda: conv2d(X4, W4, stride=0), ValueError, r"stride must be an integer >= 1, got 0"),
    "dilation 0": (lambda: conv2d(X4, W4, dilation=(1, 0)), ValueError,
                   r"dilation must be an integer >= 1"),
    "float stride": (lambda: conv2d(X4, W4, stride=1.5), TypeError, r"stride must be an integer"),
    "negative padding": (lambda: conv2d(X4, W4, padding=-1), ValueError,
                         r"padding must be a non-negative int"),
    "padding_mode": (lambda: conv2d(X4, W4, padding_mode="mirror"), ValueError,
                     r"padding_mode must be one of"),
    "kernel too large": (lambda: conv2d(X4, np.ones((2, 4, 7, 7))), ValueError,
                         r"w's kernel of size 7x7 .* padded input of size 6x6"),
    "dilated kernel too large": (lambda: conv2d(X4, W4, dilation=3), ValueError,
                                 r"7x7 with dilation \(3, 3\)"),
    "reflect too wide": (lambda: conv2d(X4, W4, padding=6, padding_mode="reflect"), ValueError,
                         r"reflect padding of 6 is wider"),
    "NaN weights": (lambda: conv2d(X4, np.full((2, 4, 3, 3), np.nan)), ValueError,
                    r"w must hold finite numbers"),
    "inf bias": (lambda: conv2d(X4, W4, b=[np.inf, 0.0]), ValueError, r"b must hold finite numbers"),
    "str input": (lambda: conv2d("image", W4), TypeError, r"x must be a numeric array"),
    "None weights": (lambda: conv2d(X4, None), TypeError, r"w must be a numeric array"),
    "impl": (lambda: conv2d(X4, W4, impl="slow"), ValueError,
             r"impl must be one of 'naive', 'fast', got 'slow'"),
    "conv1d x ndim": (lambda: conv1d(np.ones((1, 2, 3, 4)), np.ones((1, 2, 2))), ValueError,
                      r"x must be 2-D or 3-D with shape \(N, C, L\)"),
    "conv1d channels": (lambda: conv1d(np.ones((1, 2, 5)), np.ones((1, 3, 2))), ValueError,
                        r"w must have C/groups = 2"),
    "conv1d stride": (lambda: conv1d(np.ones((1, 2, 5)), np.ones((1, 2, 2)), stride=0), ValueError,
                      r"stride must be an integer >= 1"),
    "correlate2d x ndim": (lambda: correlate2d(np.ones((2, 3, 3)), KERNEL), ValueError,
                           r"x must be 2-D with shape \(H, W\)"),
    "correlate2d kernel too large": (lambda: correlate2d(IMAGE, np.ones((4, 2))), ValueError,
                                     r"w's kernel of size 4x2 .* input of size 3x3"),
    "mode": (lambda: correlate2d(IMAGE, KERNEL, "vald"), ValueError, r"mode must be one of 'valid'"),
    "boundary": (lambda: correlate2d(IMAGE, KERNEL, padding_mode="mirror"), ValueError,
                 r"padding_mode must be one of"),
    "reflect boundary too wide": (lambda: correlate2d(KERNEL, IMAGE, "full", padding_mode="reflect"),
                                  ValueError, r"reflect padding"),
    "convolve2d NaN": (lambda: convolve2d(IMAGE, [[1.0, np.nan]]), ValueError,
                       r"w must hold finite numbers"),
    "convolve2d impl": (lambda: convolve2d(IMAGE, KERNEL, impl=None), ValueError,
                        r"impl must be one of"),
    "conv_matrix w ndim": (lambda: conv_matrix(np.ones((2, 2, 2)), (4, 4)), ValueError,
                           r"w must be 1-D or 2-D"),
    "conv_matrix shape": (lambda: conv_matrix([1.0, 2.0], (4, 4)), ValueError,
                          r"input_shape must be \(n,\) or an int for the 1-D kernel w"),
    "conv_matrix kernel too large": (lambda: conv_matrix(np.ones((3, 3)), (2, 5)), ValueError,
                                     r"w's kernel of size 3x3 .* input of size 2x5"),
    "fft kernel too large": (lambda: fft_convolve2d(IMAGE, np.ones((4, 4)), "valid"), ValueError,
                             r"w's kernel of size 4x4"),
    "fft mode": (lambda: fft_convolve2d(IMAGE, KERNEL, "circular"), ValueError, r"mode must be one of"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_raises_a_message_that_names_the_argument(case):
    call, error, message = BAD_INPUTS[case]
    with pytest.raises(error, match=message):
        call()


def test_reflect_padding_that_fits_is_accepted():
    assert conv2d(X4, W4, padding=5, padding_mode="reflect").shape == (1, 2, 14, 14)
