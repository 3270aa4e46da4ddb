"""Each fast path of conv2d and conv2d_backward, forced, against torch.

The fast NumPy path picks its way by size: lecture-size inputs gather their
im2col matrix in one step (cnnlab._gather), larger ones build it chunk by
chunk from stride phases (cnnlab._im2col), 1x1 layers without padding are a
plain product. Random small cases would all take the first way, so each test
here forces one: the gather, one chunk for the whole batch, or chunks of at
most two images (so that the last chunk is often short).
"""

import contextlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st

from cnnlab import _im2col, backprop, conv
from cnnlab.backprop import conv2d_backward
from cnnlab.conv import conv2d

PATHS = ["gather", "one chunk", "chunks of two", "one output row a step"]


@contextlib.contextmanager
def forced(path):
    """Make the fast path of conv2d (and the chunking of conv2d_backward) take ``path``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(conv, "SMALL_COLUMNS", 10**12 if path == "gather" else 0)
        if path == "one output row a step":  # one image per chunk, and its columns one output row at a time
            patch.setattr(_im2col, "CHUNK_BYTES", 1)
        if path == "chunks of two":
            patch.setattr(conv, "chunk_images", lambda n_images, column_bytes: min(n_images, 2))
            patch.setattr(backprop, "chunk_images", lambda n_images, column_bytes: min(n_images, 2))
        yield


@st.composite
def cases(draw):
    """A layer that torch accepts: input, weights, bias, stride, padding ((top, bottom), (left, right)), dilation, groups."""
    groups = draw(st.sampled_from([1, 2, 3]))
    n = draw(st.integers(1, 5))
    c, k = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = ((draw(st.integers(0, 2)), draw(st.integers(0, 2))), (draw(st.integers(0, 2)), draw(st.integers(0, 2))))
    size = tuple(max(1, d * (f - 1) + 1 - sum(p)) + draw(st.integers(0, 6))
                 for f, d, p in zip(kernel, dilation, padding))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.standard_normal((n, c) + size)
    w = rng.standard_normal((k, c // groups) + kernel)
    b = rng.standard_normal(k) if draw(st.booleans()) else None
    return x, w, b, stride, padding, dilation, groups


def torch_layer(x, w, b, stride, padding, dilation, groups, dout=None):
    """F.conv2d on the explicitly zero-padded input; with ``dout`` also the gradients (dx, dw, db) by autograd."""
    (top, bottom), (left, right) = padding
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    bt = None if b is None else torch.tensor(b, requires_grad=True)
    z = F.conv2d(F.pad(xt, (left, right, top, bottom)), wt, bt, stride, 0, dilation, groups)
    if dout is None:
        return z.detach().numpy()
    z.backward(torch.tensor(dout))
    return z.detach().numpy(), xt.grad.numpy(), wt.grad.numpy()


@pytest.mark.parametrize("path", PATHS)
@given(case=cases())
def test_forced_forward_paths_match_torch(path, case):
    x, w, b, stride, padding, dilation, groups = case
    expected = torch_layer(*case)
    with forced(path):
        got = conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("path", PATHS[1:])
@given(case=cases())
def test_forced_backward_chunking_matches_autograd(path, case):
    x, w, b, stride, padding, dilation, groups = case
    out_shape = torch_layer(*case).shape
    dout = np.random.default_rng(1).standard_normal(out_shape)
    _, dx_want, dw_want = torch_layer(*case, dout=dout)
    with forced(path):
        dx, dw, db = conv2d_backward(dout, x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    np.testing.assert_allclose(dx, dx_want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dw, dw_want, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("path", PATHS)
def test_forced_paths_keep_float32(path):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 4, 11, 9), dtype=np.float32)
    w, b = rng.standard_normal((6, 2, 3, 2), dtype=np.float32), rng.standard_normal(6, dtype=np.float32)
    expected = torch_layer(x, w, b, (2, 1), ((1, 0), (2, 1)), (1, 2), 2)
    with forced(path):
        got = conv2d(x, w, b, stride=(2, 1), padding=((1, 0), (2, 1)), dilation=(1, 2), groups=2)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
