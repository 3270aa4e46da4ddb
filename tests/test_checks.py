"""cnnlab.checks: each message says what is wrong and never shows the expected values."""

import numpy as np
import pytest
from scipy import signal

from cnnlab import checks
from cnnlab.checks import (
    check_close, check_correlation, check_dtype, check_finite, check_output_size, check_shape, check_type,
    forbid_calls)

SECRET = 123.456  # an expected value that must never appear in a message


def expected():
    return np.full((3, 3), SECRET)


def message(call, *args, **kwargs):
    with pytest.raises(AssertionError) as info:
        call(*args, **kwargs)
    text = str(info.value)
    assert "123.4" not in text
    return text


def test_correct_answers_pass():
    check_close(expected().copy(), expected())
    check_shape(np.zeros((2, 3)), (2, 3))
    check_dtype(np.zeros(2), "float")
    check_output_size(5, 7, 3)
    check_output_size(4, 7, 3, padding=1, stride=2)


def test_wrong_type_names_both_types():
    text = message(check_close, expected().tolist(), expected(), name="f(x)")
    assert "f(x) has the wrong type: got list, expected ndarray" in text


def test_wrong_shape_gives_the_expected_shape():
    text = message(check_close, np.zeros((5, 7)), expected())
    assert "wrong shape: got (5, 7), expected (3, 3)" in text


def test_off_by_one_in_output_size():
    assert "Off by one in the output size: the valid output is N-K+1" in message(
        check_close, np.zeros((4, 4)), expected())
    assert "off by one: the valid output is N-K+1" in message(check_output_size, 6, 7, 3)
    assert "must be an int" in message(check_output_size, 5.0, 7, 3)


def test_transposed_shape_and_values():
    x = np.arange(6.0).reshape(2, 3)
    assert "axes are in the wrong order" in message(check_close, x.T, x)
    square = np.arange(9.0).reshape(3, 3) * SECRET
    assert "transpose of the expected result" in message(check_close, square.T, square)


def test_missing_axis_mentions_layout():
    assert "has 2 axes instead of 4" in message(check_shape, np.zeros((3, 3)), (1, 1, 3, 3))


def test_dtype_and_nan():
    assert "dtype int64, expected float numbers" in message(check_dtype, np.array([1, 2]), "float")
    assert "contains NaN or inf (1 of 9 values)" in message(
        check_close, np.where(np.eye(3, dtype=bool) & (np.arange(3) == 0), np.nan, SECRET), expected())
    assert "NaN" in message(check_finite, np.array([np.inf]))


def test_flipped_kernel_is_named():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(6, 6)), rng.normal(size=(3, 3))
    convolution = signal.convolve2d(x, w, mode="valid")
    assert "flipped kernel. Did you flip" in message(check_correlation, convolution, x, w)
    correlation = signal.correlate2d(x, w, mode="valid")
    check_correlation(correlation, x, w)
    assert "forget to flip" in message(check_correlation, correlation, x, w, convolve=True)
    check_correlation(convolution, x, w, convolve=True)
    check_correlation(signal.correlate2d(x, w, mode="same"), x, w, mode="same")


def test_border_difference_points_at_padding_mode():
    image = np.arange(25.0).reshape(5, 5)
    zero_padded = np.pad(image, 1)[1:-1, 1:-1].copy()
    zero_padded[0, :] = 0.0
    assert "border values differ. Check the padding mode" in message(check_close, zero_padded, image)


def test_other_wrong_values_give_the_share():
    assert "100% of the values differ" in message(check_close, np.zeros((3, 3)), expected())


def test_type_check_accepts_tuples_of_types():
    check_type(3, (int, float))
    assert "expected int or float" in message(check_type, "3", (int, float))


def test_tensors_are_compared_like_arrays():
    torch = pytest.importorskip("torch")
    check_close(torch.tensor(expected()), expected())
    assert "wrong shape" in message(check_close, torch.zeros(2, 2), expected())


def library_correlate(x, w):
    return signal.correlate2d(x, w, mode="valid")


def through_module(x, w):
    return signal.correlate2d(x, w, mode="valid")


def helper_calls_library(x, w):
    return library_correlate(x, w)


def own_loops(x, w):
    out = np.zeros((x.shape[0] - w.shape[0] + 1, x.shape[1] - w.shape[1] + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + w.shape[0], j:j + w.shape[1]] * w)
    return out


FORBIDDEN = ["scipy.signal.correlate2d", "scipy.signal.convolve2d", "torch.nn.functional.conv2d"]
X, W = np.arange(16.0).reshape(4, 4), np.array([[1.0, 2.0], [3.0, 4.0]])


def test_forbid_calls_finds_module_attribute_calls_statically():
    text = message(forbid_calls, through_module, FORBIDDEN)
    assert "through_module calls scipy.signal.correlate2d" in text and "implement the operation yourself" in text


def test_forbid_calls_finds_indirect_calls_while_running():
    forbid_calls(helper_calls_library, [])  # nothing forbidden: fine
    text = message(forbid_calls, helper_calls_library, FORBIDDEN, args=(X, W))
    assert "calls scipy.signal.correlate2d" in text


def test_forbid_calls_finds_closures_and_torch():
    torch = pytest.importorskip("torch")
    conv = torch.nn.functional.conv2d

    def uses_closure(x, w):
        return conv(x, w)

    assert "calls torch.nn.functional.conv2d" in message(forbid_calls, uses_closure, FORBIDDEN)

    def hidden_torch(x, w):
        return globals()["_torch_conv"](x, w)

    globals()["_torch_conv"] = lambda x, w: conv(x, w)
    text = message(forbid_calls, hidden_torch, FORBIDDEN, args=(torch.zeros(1, 1, 3, 3), torch.zeros(1, 1, 2, 2)))
    assert "torch.nn.functional.conv2d" in text


def test_forbid_calls_lets_own_implementations_through():
    result = forbid_calls(own_loops, FORBIDDEN + [library_correlate], args=(X, W))
    np.testing.assert_allclose(result, signal.correlate2d(X, W, mode="valid"))


def test_forbid_calls_accepts_function_objects_and_cnnlab_names():
    assert "calls" in message(forbid_calls, helper_calls_library, [library_correlate])
    forbid_calls(own_loops, ["cnnlab.conv.correlate2d"], args=(X, W))
    assert checks._resolve("nonexistent_package_xyz.f") is None
