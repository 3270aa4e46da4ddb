"""Backward passes against torch autograd, naive against fast, and the lecture's examples B1-B6."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given
from hypothesis import strategies as st
from scipy.signal import correlate2d

from cnnlab.backprop import conv2d_backward
from cnnlab.pooling import avg_pool2d_backward, max_pool2d_backward
from cnnlab.gradcheck import gradient_check
from cnnlab.padding import pad2d, resolve_padding

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def torch_conv_grads(dout, x, w, b, stride, padding, dilation, groups):
    """dx, dw, db by autograd through F.conv2d on the explicitly zero-padded input."""
    (top, bottom), (left, right) = resolve_padding(padding, w.shape[-2:], dilation)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    z = F.conv2d(F.pad(xt, (left, right, top, bottom)), wt, bt, stride, 0, dilation, groups)
    z.backward(torch.tensor(dout))
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


def torch_forward_shape(x, w, stride, padding, dilation, groups):
    (top, bottom), (left, right) = resolve_padding(padding, w.shape[-2:], dilation)
    xp = F.pad(torch.tensor(x), (left, right, top, bottom))
    return tuple(F.conv2d(xp, torch.tensor(w), None, stride, 0, dilation, groups).shape)


@st.composite
def conv_cases(draw):
    groups = draw(st.integers(1, 3))
    c, k = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride = draw(st.sampled_from([1, 2, 3, (1, 2), (2, 1)]))
    dilation = draw(st.sampled_from([1, 2, (1, 2)]))
    padding = draw(st.sampled_from([0, 1, 2, (0, 1), ((1, 0), (2, 1)), "valid", "same"]))
    if padding == "same" and stride != 1:
        padding = 1
    (top, bottom), (left, right) = resolve_padding(padding, (kh, kw), dilation)
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    min_h = max(1, dh * (kh - 1) + 1 - top - bottom)
    min_w = max(1, dw * (kw - 1) + 1 - left - right)
    h, w = draw(st.integers(min_h, min_h + 5)), draw(st.integers(min_w, min_w + 5))
    n = draw(st.integers(1, 2))
    seed = draw(st.integers(0, 2**31 - 1))
    return (n, c, h, w), (k, c // groups, kh, kw), stride, padding, dilation, groups, seed


@given(conv_cases())
def test_conv2d_backward_matches_autograd_and_naive(case):
    x_shape, w_shape, stride, padding, dilation, groups, seed = case
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    dout = rng.standard_normal(torch_forward_shape(x, w, stride, padding, dilation, groups))
    expected = torch_conv_grads(dout, x, w, b, stride, padding, dilation, groups)
    fast = conv2d_backward(dout, x, w, stride=stride, padding=padding, dilation=dilation, groups=groups)
    naive = conv2d_backward(dout, x, w, stride=stride, padding=padding, dilation=dilation, groups=groups, impl="naive")
    for got_fast, got_naive, want in zip(fast, naive, expected):
        assert got_fast.shape == want.shape
        np.testing.assert_allclose(got_fast, want, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(got_naive, got_fast, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("device", DEVICES)
def test_conv2d_backward_tensors_stay_tensors_on_their_device(device):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 4, 7, 6)), rng.standard_normal((6, 2, 3, 2)), np.zeros(6)
    dout = rng.standard_normal(torch_forward_shape(x, w, 2, ((1, 0), (0, 2)), 1, 2))
    expected = torch_conv_grads(dout, x, w, b, 2, ((1, 0), (0, 2)), 1, 2)
    tensors = [torch.tensor(a, device=device) for a in (dout, x, w)]
    got = conv2d_backward(*tensors, stride=2, padding=((1, 0), (0, 2)), groups=2)
    for grad, want in zip(got, expected):
        assert isinstance(grad, torch.Tensor) and grad.device.type == device
        np.testing.assert_allclose(grad.cpu().numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mode", ["reflect", "symmetric", "replicate", "circular"])
@pytest.mark.parametrize("impl", ["naive", "fast", "torch"])
def test_conv2d_backward_padding_modes_match_autograd_through_the_padding(mode, impl):
    rng = np.random.default_rng(6)
    x, w = rng.standard_normal((2, 4, 6, 7)), rng.standard_normal((6, 2, 3, 2))
    padding = ((2, 1), (0, 1))
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    z = F.conv2d(pad2d(xt, padding, mode), wt, None, (2, 1), 0, (1, 2), 2)  # pad2d gathers: differentiable
    dout = torch.randn_like(z)
    z.backward(dout)
    args = (dout, torch.tensor(x), torch.tensor(w)) if impl == "torch" else (dout.numpy(), x, w)
    dx, dw, _ = conv2d_backward(*args, stride=(2, 1), padding=padding, dilation=(1, 2), groups=2, padding_mode=mode, impl="fast" if impl == "torch" else impl)
    np.testing.assert_allclose(np.asarray(dx), xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(dw), wt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_conv2d_backward_keeps_float32_and_accepts_unbatched_input():
    rng = np.random.default_rng(2)
    x, w = rng.standard_normal((3, 6, 6)).astype(np.float32), rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    dout = rng.standard_normal((4, 6, 6)).astype(np.float32)
    dx, dw, db = conv2d_backward(dout, x, w, padding="same")
    assert (dx.dtype, dw.dtype, db.dtype) == (np.float32,) * 3
    assert dx.shape == x.shape
    want = torch_conv_grads(dout[None].astype(np.float64), x[None].astype(np.float64), w.astype(np.float64),
                            np.zeros(4), 1, "same", 1, 1)
    np.testing.assert_allclose(dx, want[0][0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(dw, want[1], rtol=1e-4, atol=1e-4)


# ------------------------------------------------------------------------ pooling


@st.composite
def pool_cases(draw):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.sampled_from([None, 1, 2, (1, 2)]))
    padding = (draw(st.integers(0, kernel[0] // 2)), draw(st.integers(0, kernel[1] // 2)))
    lead = draw(st.sampled_from([(), (2,), (2, 3)]))
    h, w = draw(st.integers(kernel[0], kernel[0] + 5)), draw(st.integers(kernel[1], kernel[1] + 5))
    return lead + (h, w), kernel, stride, padding, draw(st.integers(0, 2**31 - 1))


def torch_pool_grad(pool, dout, x, kernel, stride, padding):
    xt = torch.tensor(x, requires_grad=True)
    flat = x.ndim == 2
    out = pool(xt[None] if flat else xt, kernel, stride, padding)
    out.backward(torch.tensor(dout[None] if flat else dout))
    return xt.grad.numpy()


@pytest.mark.parametrize("kind", ["max", "avg"])
@given(case=pool_cases())
def test_pool_backward_matches_autograd_and_naive(kind, case):
    shape, kernel, stride, padding, seed = case
    rng = np.random.default_rng(seed)
    x = rng.permutation(np.prod(shape)).reshape(shape).astype(np.float64)  # distinct values: no ties
    pool, backward = (F.max_pool2d, max_pool2d_backward) if kind == "max" else (F.avg_pool2d, avg_pool2d_backward)
    out_shape = pool(torch.tensor(x)[None] if x.ndim == 2 else torch.tensor(x), kernel, stride, padding).shape
    dout = rng.standard_normal(tuple(out_shape)[1:] if x.ndim == 2 else tuple(out_shape))
    want = torch_pool_grad(pool, dout, x, kernel, stride, padding)
    fast = backward(dout, x, kernel, stride=stride, padding=padding)
    naive = backward(dout, x, kernel, stride=stride, padding=padding, impl="naive")
    np.testing.assert_allclose(fast, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(naive, want, rtol=1e-12, atol=1e-12)
    got_tensor = backward(torch.tensor(dout), torch.tensor(x), kernel, stride=stride, padding=padding)
    assert isinstance(got_tensor, torch.Tensor)
    np.testing.assert_allclose(got_tensor.numpy(), want, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("impl", ["naive", "fast"])
@pytest.mark.parametrize("stride", [1, 2])
def test_max_pool_backward_ties_go_to_the_first_max_like_torch(impl, stride):
    x = np.array([[1.0, 5.0, 5.0, 0.0], [5.0, 5.0, 2.0, 5.0], [3.0, 3.0, 3.0, 3.0], [3.0, 3.0, 0.0, 3.0]])
    out_shape = (3, 3) if stride == 1 else (2, 2)
    dout = np.arange(1.0, 1.0 + np.prod(out_shape)).reshape(out_shape)
    want = torch_pool_grad(F.max_pool2d, dout, x, 2, stride, 0)
    np.testing.assert_array_equal(max_pool2d_backward(dout, x, 2, stride=stride, impl=impl), want)


@pytest.mark.parametrize("device", DEVICES)
def test_pool_backward_tensor_on_device_float32(device):
    x = torch.arange(2 * 16, dtype=torch.float32, device=device).reshape(2, 4, 4).flip(-1)
    dout = torch.ones(2, 2, 2, device=device)
    dx = max_pool2d_backward(dout, x, 2)
    assert dx.device.type == device and dx.dtype == torch.float32
    assert dx.sum().item() == 8.0 and dx[0, 1, 0].item() == 1.0  # 7 is the max of [[3, 2], [7, 6]]


# ------------------------------------------- backward against the gradient check


def test_numerical_gradient_of_conv_agrees_with_conv2d_backward():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 4, 5, 6)), rng.standard_normal((2, 2, 3, 2)), rng.standard_normal(2)
    geometry = dict(stride=(2, 1), padding=((1, 0), (1, 1)), dilation=(1, 2), groups=2)
    dout = rng.standard_normal(torch_forward_shape(x, w, geometry["stride"], geometry["padding"],
                                                   geometry["dilation"], 2))

    def forward(x_, w_):
        (top, bottom), (left, right) = resolve_padding(geometry["padding"], (3, 2), geometry["dilation"])
        xp = F.pad(torch.tensor(x_), (left, right, top, bottom))
        return F.conv2d(xp, torch.tensor(w_), torch.tensor(b), geometry["stride"], 0,
                        geometry["dilation"], 2).numpy()

    dx, dw, db = conv2d_backward(dout, x, w, **geometry)
    assert gradient_check(lambda v: forward(v, w), x, dx, df=dout).rel_error < 1e-7
    check_w = gradient_check(lambda v: forward(x, v), w, dw, df=dout)
    assert check_w.ok and check_w.rel_error < 1e-7
    np.testing.assert_allclose(db, dout.sum(axis=(0, 2, 3)))


def test_backward_agrees_with_the_numerical_gradient_of_cnnlab_conv2d():
    from cnnlab.conv import conv2d

    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((2, 2, 6, 5)), rng.standard_normal((3, 2, 2, 3)), rng.standard_normal(3)
    dout = rng.standard_normal(conv2d(x, w, b, stride=2, padding="same", dilation=1).shape)
    dx, dw, db = conv2d_backward(dout, x, w, stride=2, padding="same")
    assert gradient_check(lambda v: conv2d(v, w, b, stride=2, padding="same"), x, dx, df=dout).ok
    assert gradient_check(lambda v: conv2d(x, v, b, stride=2, padding="same"), w, dw, df=dout).ok
    assert gradient_check(lambda v: conv2d(x, w, v, stride=2, padding="same"), b, db, df=dout).ok


@pytest.mark.parametrize("kind", ["max", "avg"])
def test_numerical_gradient_of_pooling_agrees(kind):
    rng = np.random.default_rng(4)
    x = rng.permutation(2 * 7 * 7).reshape(2, 7, 7) / 10.0  # well-separated values: no kinks within h
    pool, backward = (F.max_pool2d, max_pool2d_backward) if kind == "max" else (F.avg_pool2d, avg_pool2d_backward)
    dout = rng.standard_normal((2, 4, 4))
    result = gradient_check(lambda v: pool(torch.tensor(v), 3, 2, 1).numpy(), x,
                            backward(dout, x, 3, stride=2, padding=1), df=dout)
    assert result.ok, result


# -------------------------------------------------------- lecture examples B1-B6


X = np.array([[1.0, 2.0, 0.0], [-1.0, 3.0, 2.0], [4.0, 0.0, -2.0]])
K = np.array([[1.0, -1.0], [2.0, 0.5]])
B = 0.5
DZ = np.array([[1.0, -2.0], [0.5, 3.0]])


def lecture_grads():
    """The notes' 3x3 X (*) 2x2 K + B = 2x2 Z, with upstream gradient DZ, through conv2d_backward."""
    dx, dk, db = conv2d_backward(DZ[None, None], X[None, None], K[None, None])
    return dx[0, 0], dk[0, 0], db[0]


def test_b1_z11_written_out_equals_the_convolution():
    bias = torch.tensor([B], dtype=torch.float64)
    z = F.conv2d(torch.tensor(X)[None, None], torch.tensor(K)[None, None], bias).numpy()[0, 0]
    z11 = X[0, 0] * K[0, 0] + X[0, 1] * K[0, 1] + X[1, 0] * K[1, 0] + X[1, 1] * K[1, 1] + B
    assert z[0, 0] == pytest.approx(z11)
    np.testing.assert_allclose(z, correlate2d(X, K, mode="valid") + B)


def test_b2_dl_dk_is_x_correlated_with_dl_dz():
    _, dk, _ = lecture_grads()
    np.testing.assert_allclose(dk, correlate2d(X, DZ, mode="valid"))
    dk11 = DZ[0, 0] * X[0, 0] + DZ[0, 1] * X[0, 1] + DZ[1, 0] * X[1, 0] + DZ[1, 1] * X[1, 1]
    assert dk[0, 0] == pytest.approx(dk11)
    np.testing.assert_allclose(dk, torch_conv_grads(DZ[None, None], X[None, None], K[None, None],
                                                    np.array([B]), 1, 0, 1, 1)[1][0, 0])


def test_b3_dl_db_is_the_sum_of_dl_dz():
    _, _, db = lecture_grads()
    assert db == pytest.approx(DZ.sum())
    assert db == pytest.approx(torch_conv_grads(DZ[None, None], X[None, None], K[None, None],
                                                np.array([B]), 1, 0, 1, 1)[2][0])


def test_b4_homework_dl_dx_is_padded_dl_dz_correlated_with_rotated_k():
    dx, _, _ = lecture_grads()
    rotated = np.rot90(K, 2)  # 180 degrees: [[K22, K21], [K12, K11]]
    np.testing.assert_array_equal(rotated, [[K[1, 1], K[1, 0]], [K[0, 1], K[0, 0]]])
    homework = correlate2d(np.pad(DZ, 1), rotated, mode="valid")
    np.testing.assert_allclose(dx, homework)
    autograd = torch_conv_grads(DZ[None, None], X[None, None], K[None, None], np.array([B]), 1, 0, 1, 1)[0]
    np.testing.assert_allclose(homework, autograd[0, 0])


def test_b5_one_sgd_step_lowers_the_loss():
    target = np.array([[0.0, 1.0], [2.0, -1.0]])

    def loss(k, b):
        z = correlate2d(X, k, mode="valid") + b
        return 0.5 * ((z - target) ** 2).sum(), z - target  # L and dL/dZ

    before, dz = loss(K, B)
    _, dk, db = conv2d_backward(dz[None, None], X[None, None], K[None, None])
    eta = 0.01
    after, _ = loss(K - eta * dk[0, 0], B - eta * db[0])
    assert after < before


def test_b6_max_routes_to_the_arg_max_and_avg_spreads():
    x = np.array([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]])  # Q1
    dout = np.array([[1.0, 2.0], [3.0, 4.0]])
    dx = max_pool2d_backward(dout, x, 2)
    want = np.zeros((4, 4))
    # the positions of 6, 9, 3 and 4; the last window ties (4 twice): the first in row-major order wins
    want[1, 0], want[1, 3], want[2, 0], want[2, 3] = 1.0, 2.0, 3.0, 4.0
    np.testing.assert_array_equal(dx, want)
    np.testing.assert_array_equal(dx, torch_pool_grad(F.max_pool2d, dout, x.astype(float), 2, 2, 0))
    np.testing.assert_array_equal(avg_pool2d_backward(dout, x, 2), np.kron(dout, np.ones((2, 2))) / 4)


# ---------------------------------------------------------------------- bad input


def test_dout_with_the_wrong_shape_says_both_shapes_and_the_arithmetic():
    with pytest.raises(ValueError, match=r"\(1, 2, 4, 4\).*shape \(1, 2, 3, 3\).*floor\(\(7 \+ 1 \+ 1"):
        conv2d_backward(np.zeros((1, 2, 3, 3)), np.zeros((1, 3, 7, 7)), np.zeros((2, 3, 3, 3)), stride=2, padding=1)
    with pytest.raises(ValueError, match=r"pooled output \(2, 2\).*shape \(3, 3\)"):
        max_pool2d_backward(np.zeros((3, 3)), np.zeros((4, 4)), 2)


@pytest.mark.parametrize("call, error, message", [
    (lambda: conv2d_backward(np.zeros((1, 2, 3, 3)), np.zeros((1, 4, 5, 5)), np.zeros((2, 3, 3, 3))),
     ValueError, "channels"),
    (lambda: conv2d_backward(np.zeros((1, 3, 3, 3)), np.zeros((1, 4, 5, 5)), np.zeros((3, 2, 3, 3)), groups=2),
     ValueError, "groups=2 must divide"),
    (lambda: conv2d_backward(np.zeros((1, 1, 3, 3)), np.zeros((5, 5)), np.zeros((1, 1, 3, 3))),
     ValueError, "x must be 4-D or 3-D"),
    (lambda: conv2d_backward(np.zeros((1, 1, 1, 1)), np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))),
     ValueError, "larger than the padded input"),
    (lambda: conv2d_backward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), stride=0),
     ValueError, "stride must be an integer >= 1"),
    (lambda: conv2d_backward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3)), impl="loop"),
     ValueError, "impl must be one of"),
    (lambda: conv2d_backward(torch.zeros(1, 1, 3, 3), np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))),
     TypeError, "must both be NumPy arrays or both torch tensors"),
    (lambda: conv2d_backward("dout", np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))),
     TypeError, "dout must be a numeric array"),
    (lambda: conv2d_backward(np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), padding=1,
                             padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda: conv2d_backward(np.zeros((1, 1, 7, 7)), np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)), padding=3,
                             padding_mode="reflect"), ValueError, "reflect padding of 3 is wider"),
    (lambda: max_pool2d_backward(np.zeros((1, 1)), np.zeros((4, 4)), 2, padding=2),
     ValueError, "at most half"),
    (lambda: avg_pool2d_backward(np.zeros((2, 2)), np.zeros((4, 4)), 0), ValueError, "kernel_size"),
])
def test_bad_input_gets_a_clear_message(call, error, message):
    with pytest.raises(error, match=message):
        call()
