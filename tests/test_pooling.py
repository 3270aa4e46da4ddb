"""Pooling against torch's F.max_pool2d / F.avg_pool2d, naive against fast, and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from cnnlab.pooling import avg_pool2d, global_avg_pool2d, max_pool2d

POOLS = {"max": (max_pool2d, F.max_pool2d), "avg": (avg_pool2d, F.avg_pool2d)}


@st.composite
def pooling_cases(draw):
    """A random input and a window/stride/padding that torch accepts."""
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    ph, pw = draw(st.integers(0, kh // 2)), draw(st.integers(0, kw // 2))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    height = draw(st.integers(max(1, kh - 2 * ph), 9))
    width = draw(st.integers(max(1, kw - 2 * pw), 9))
    batch, channels = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).normal(size=(batch, channels, height, width))
    return x, (kh, kw), (sh, sw), (ph, pw)


@pytest.mark.parametrize("kind", ["max", "avg"])
@given(case=pooling_cases())
def test_naive_fast_and_torch_agree(kind, case):
    x, kernel, stride, padding = case
    ours, theirs = POOLS[kind]
    expected = theirs(torch.from_numpy(x), kernel, stride, padding).numpy()
    fast = ours(x, kernel, stride=stride, padding=padding, impl="fast")
    naive = ours(x, kernel, stride=stride, padding=padding, impl="naive")
    assert fast.shape == expected.shape
    np.testing.assert_allclose(fast, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(naive, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_stride_defaults_to_window_like_torch(kind):
    x = np.random.default_rng(0).normal(size=(1, 2, 7, 9))
    ours, theirs = POOLS[kind]
    expected = theirs(torch.from_numpy(x), 3).numpy()
    np.testing.assert_allclose(ours(x, 3), expected)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape", [(6, 5), (3, 6, 5), (2, 3, 6, 5)])
def test_input_layouts_keep_leading_axes(kind, shape):
    x = np.random.default_rng(1).normal(size=shape)
    ours, theirs = POOLS[kind]
    out = ours(x, 2, padding=1)
    reference = theirs(torch.from_numpy(x.reshape((-1,) + shape[-2:])), 2, 2, 1).numpy()
    assert out.shape == shape[:-2] + (4, 3)
    np.testing.assert_allclose(out.reshape(reference.shape), reference)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("shape", [(6, 5), (2, 6, 5), (1, 2, 6, 5)])
def test_tensor_in_tensor_out_same_device(kind, shape):
    x = torch.randn(shape, dtype=torch.float64)
    ours, _ = POOLS[kind]
    out = ours(x, 3, stride=2, padding=1)
    assert isinstance(out, torch.Tensor) and out.device == x.device
    np.testing.assert_allclose(out.numpy(), ours(x.numpy(), 3, stride=2, padding=1))


def test_integer_images_are_pooled_in_float():
    x = np.array([[250, 250], [250, 250]], dtype=np.uint8)
    assert avg_pool2d(x, 2).dtype == np.float64
    assert avg_pool2d(x, 2)[0, 0] == 250.0


def test_max_padding_never_wins_even_for_negative_inputs():
    x = -np.ones((3, 3))
    assert (max_pool2d(x, 2, stride=1, padding=1) == -1).all()


def test_global_avg_pool2d_matches_adaptive_avg_pool():
    x = np.random.default_rng(2).normal(size=(2, 3, 5, 4))
    expected = F.adaptive_avg_pool2d(torch.from_numpy(x), 1).numpy()[..., 0, 0]
    np.testing.assert_allclose(global_avg_pool2d(x), expected)
    tensor_out = global_avg_pool2d(torch.from_numpy(x))
    assert isinstance(tensor_out, torch.Tensor) and tensor_out.shape == (2, 3)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        (dict(kernel_size=0), ValueError, "kernel_size must be an integer >= 1, got 0"),
        (dict(kernel_size=2, stride=0), ValueError, "stride must be an integer >= 1, got 0"),
        (dict(kernel_size=2, padding=-1), ValueError, "padding must be an integer >= 0"),
        (dict(kernel_size=2, padding=2), ValueError, "padding must be at most half the window"),
        (dict(kernel_size=7), ValueError, "window is larger than the padded input"),
        (dict(kernel_size=2.5), TypeError, "kernel_size must be an integer"),
        (dict(kernel_size=2, impl="slow"), ValueError, "impl must be one of 'naive', 'fast'"),
    ],
)
def test_bad_arguments_name_the_argument(kwargs, error, message):
    with pytest.raises(error, match=message):
        max_pool2d(np.zeros((4, 5)), **kwargs)


@pytest.mark.parametrize("x, error, message", [
    (np.zeros(5), ValueError, r"x must be 2-D or 3-D or 4-D"),
    (np.zeros((1, 1, 1, 4, 4)), ValueError, r"x must be 2-D or 3-D or 4-D"),
    ("image", TypeError, "x must be a numeric array"),
])
def test_bad_input_arrays(x, error, message):
    with pytest.raises(error, match=message):
        avg_pool2d(x)
    with pytest.raises(error, match=message):
        global_avg_pool2d(x)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_tensor_stays_on_the_gpu():
    x = torch.randn(2, 3, 8, 8, device="cuda")
    for pool in (max_pool2d, avg_pool2d, global_avg_pool2d):
        out = pool(x)
        assert out.device == x.device
        np.testing.assert_allclose(out.cpu().numpy(), pool(x.cpu().numpy()), rtol=1e-6, atol=1e-6)
