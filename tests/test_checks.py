"""cnnlab.checks: each message says what is wrong and never shows the expected values."""

import numpy as np
import pytest
from scipy import signal

import cnnlab._forbid
from cnnlab import checks
from cnnlab.checks import (
    check_angles, check_close, check_correlation, check_count, check_dtype, check_finite, check_output_size,
    check_shape, check_type, forbid_calls)

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


def test_sizes_computed_from_one_axis_are_named():
    assert "every size computed from the same axis? The rows come from the height" in message(
        check_close, np.zeros((2, 2)), np.zeros((2, 3)))
    assert "same axis" not in message(check_close, np.zeros((2, 2)), np.zeros((3, 3)))


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


def border_slip():
    """A 5x5 result that is right inside and wrong in its first row, and the expected result."""
    image = np.arange(25.0).reshape(5, 5) * SECRET
    slipped = image.copy()
    slipped[0, :] = 0.0
    return slipped, image


def test_border_difference_points_at_padding_mode_only_for_padding():
    text = message(check_close, *border_slip(), topic="padding")
    assert "border values differ. Check the padding mode" in text
    text = message(check_close, *border_slip())
    assert "border values differ. Look at how the first and last rows" in text and "padding" not in text


def test_same_and_full_correlation_are_padding_topics():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(6, 6)), rng.normal(size=(3, 3))
    slipped = signal.correlate2d(x, w, mode="same")
    slipped[-1, :] = 0.0
    assert "Check the padding mode" in message(check_correlation, slipped, x, w, mode="same")


def test_pooling_backward_hints_name_the_gradient_routing():
    text = message(check_close, *border_slip(), topic="max-pool-backward")
    assert "border values differ. Check that your loops reach the last row and column of windows" in text
    assert "argmax" in text and "padding" not in text
    text = message(check_close, np.zeros((3, 3)), expected(), topic="max-pool-backward")
    assert "it is all zeros" in text and "Max pooling backward" in text and "add up (+=)" in text
    text = message(check_close, np.zeros((3, 3)), expected(), topic="avg-pool-backward")
    assert "spread evenly over its window" in text and "padding" not in text


def test_unknown_topic_names_the_argument():
    with pytest.raises(ValueError, match="topic must be one of None, 'padding'.*got 'pooling'"):
        check_close(expected(), expected(), topic="pooling")


def test_other_wrong_values_give_the_share():
    right = np.arange(25.0).reshape(5, 5) ** 2
    wrong = right.copy()
    wrong[1, 2], wrong[3, 1] = 1.0, -7.0  # no pattern: two inner values off by different amounts
    assert "8% of the values differ" in message(check_close, wrong, right)


def test_count_passes_and_rejects_non_integers():
    check_count(76, 76)
    check_count(np.int64(76), 76)
    assert "must be an int, got float 76.0" in message(check_count, 76.0, 76, "conv_weights(3, 2, 4)")
    assert "must be an int" in message(check_count, True, 1)


def test_count_says_too_large_or_too_small_without_the_right_number():
    assert message(check_count, 200, 123) == (
        "your count is 200, which is too large: it counts something that is not there, or something twice.")
    assert message(check_count, 100, 123) == "your count is 100, which is too small: it leaves out part of what is counted."
    assert message(check_count, 100, 123, "f(x)", hint="one bias per filter") == (
        "f(x) is 100, which is too small: one bias per filter.")


def test_count_names_a_known_slip_before_the_general_hint():
    known = {120: "the biases are missing", 123: "never shown: this is the right count"}
    assert message(check_count, 120, 123, "f(x)", hint="general", known=known) == (
        "f(x) is 120, which is too small: the biases are missing.")
    assert message(check_count, 119, 123, "f(x)", hint="general", known=known) == (
        "f(x) is 119, which is too small: general.")


ANGLE_Y, ANGLE_X = np.array([1.0, -1.0, 2.0, -0.5, 3.0]), np.array([-1.0, -2.0, 0.5, 1.5, 0.0])
ANGLES = np.arctan2(ANGLE_Y, ANGLE_X)
with np.errstate(divide="ignore"):
    QUOTIENT_ANGLES = np.arctan(ANGLE_Y / ANGLE_X)  # x = 0 gives +-pi/2


def test_angles_a_full_turn_apart_are_equal():
    check_angles(ANGLES + 2 * np.pi, ANGLES)
    check_angles(np.where(ANGLES < 0, ANGLES + 2 * np.pi, ANGLES), ANGLES)  # [0, 2 pi) instead of (-pi, pi]


@pytest.mark.parametrize("slip, hint", [
    (np.degrees(ANGLES), "looks like degrees: the angles must be in radians"),
    (np.degrees(ANGLES) % 360, "looks like degrees"),
    (np.arctan2(ANGLE_X, ANGLE_Y), "looks like np.arctan2(gx, gy): the arguments are swapped. atan2 takes the y "
                                   "component first: np.arctan2(gy, gx)"),
    (np.arctan2(-ANGLE_Y, ANGLE_X), "has the wrong sign (the angles are mirrored): check the sign of gy and of gx"),
    (QUOTIENT_ANGLES, "looks like arctan(gy / gx): that loses the quadrant"),
    (np.arctan2(ANGLE_X, -ANGLE_Y), "is a quarter turn (pi/2) ahead: that is the direction along the edge"),
    (np.arctan2(-ANGLE_X, ANGLE_Y), "is a quarter turn (pi/2) behind: that is the direction along the edge"),
    (ANGLES + 0.1, "has the right shape but wrong values: 100% of the angles differ"),
], ids=["degrees", "degrees-0-360", "swapped", "sign", "quotient", "quarter-ahead", "quarter-behind", "other"])
def test_angle_slips_are_named(slip, hint):
    text = message(check_angles, slip, ANGLES, "direction(image)", y="gy", x="gx")
    assert text.startswith("direction(image) ") and hint in text
    assert not any(f"{a:.3f}" in text for a in ANGLES)


def test_angle_slips_an_input_cannot_tell_apart_are_named_together():
    pointing_left = np.full(4, np.pi)  # pi/2 - pi and pi + pi/2 are the same angle: swap or quarter turn?
    text = message(check_angles, pointing_left + np.pi / 2, pointing_left, "direction(ramp)", y="gy", x="gx")
    assert "could be any of" in text and "arguments are swapped" in text and "quarter turn" in text


def test_angles_check_shape_and_nan_first():
    assert "wrong shape: got (4,), expected (5,)" in message(check_angles, ANGLES[:4], ANGLES)
    assert "contains NaN" in message(check_angles, np.where(ANGLE_X == 0, np.nan, ANGLES), ANGLES)


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
    assert cnnlab._forbid._resolve("nonexistent_package_xyz.f") is None


# --- where it is wrong, and computed variants (issue "Exercises that catch the mistakes") ---------

from cnnlab._mismatch import diagnose  # noqa: E402

NONLINEAR = (np.arange(30.0).reshape(5, 6) + 1.0) ** 1.5


@pytest.mark.parametrize("answer, pattern, words", [
    (NONLINEAR[::-1], "mirrored", "upside down"),
    (NONLINEAR[:, ::-1], "mirrored", "left to right"),
    (NONLINEAR[::-1, ::-1], "mirrored", "rotated by 180 degrees"),
    (np.vstack([NONLINEAR[1:], NONLINEAR[-1:]]), "shifted", "rows are shifted by one"),
    (np.hstack([NONLINEAR[:, :1], NONLINEAR[:, :-1]]), "shifted", "columns are shifted by one"),
    (np.pad(NONLINEAR[1:-1, 1:-1], 1), "border", "border values differ"),
    (np.zeros((5, 6)), "zeros", "all zeros"),
    (NONLINEAR / 4, "scaled", "0.25 times"),
    (NONLINEAR + 3, "offset", "same amount"),
    (np.where(np.arange(5)[:, None] == 2, 0.0, NONLINEAR), "rows", "row 2"),
    (np.where(np.arange(6) == 3, -1.0, NONLINEAR), "columns", "column 3"),
])
def test_each_pattern_of_wrong_values_is_named(answer, pattern, words):
    found = diagnose(answer, NONLINEAR)
    assert found.pattern == pattern and words in found.hint
    text = message(check_close, answer, NONLINEAR, name="my_op(x)")
    assert words in text and "Where it is wrong" in text


def test_a_square_transpose_is_named_and_the_map_shows_where():
    square = NONLINEAR[:5, :5]
    text = message(check_close, square.T, square)
    assert "transpose" in text
    grid = text.split("values):\n")[1].splitlines()
    assert grid[0] == ". X X X X" and grid[4] == "X X X X ."


def test_the_map_never_shows_expected_values():
    text = message(check_close, NONLINEAR + np.eye(5, 6), NONLINEAR)
    assert not any(f"{v:g}" in text for v in NONLINEAR.ravel()[1:] if v > 10)


def test_the_map_of_a_batch_shows_the_first_wrong_slice():
    expected = np.stack([NONLINEAR, NONLINEAR * 2])[None]  # (1, 2, 5, 6)
    answer = expected.copy()
    answer[0, 1, 2, 3] = 0.0
    text = message(check_close, answer, expected)
    assert "in [0, 1]" in text and "1 of 60 values" in text


def test_a_computed_variant_names_the_mistake():
    right = NONLINEAR.sum(axis=0)
    text = message(check_close, NONLINEAR[0], right, "db", variants={"sum over the batch, not its first item": NONLINEAR[0]})
    assert text.endswith("sum over the batch, not its first item")


def test_a_computed_variant_that_changes_the_shape_is_named_before_the_shape():
    right = NONLINEAR[:, :4]
    text = message(check_close, NONLINEAR, right, "pool(x)", variants={"the stride is ignored": NONLINEAR,
                                                                        "unrelated": NONLINEAR + 1})
    assert text == "pool(x) has the wrong shape: got (5, 6), expected (5, 4): the stride is ignored"
    assert "Off by two" in message(check_close, NONLINEAR + 1 / SECRET, right, variants={"ignored": NONLINEAR})


def test_check_outputs_counts_the_results_first():
    dx, dw, db = np.ones((2, 2)), np.ones(3), np.ones(1)
    assert "returned 2 values, expected 3: (dx, dw, db). Is db missing?" in message(
        checks.check_outputs, (dx, dw), (dx, dw, db), ("dx", "dw", "db"), "backward(...)")
    assert "must return 3 values" in message(checks.check_outputs, dx, (dx, dw, db), ("dx", "dw", "db"))
    checks.check_outputs((dx, dw, db), (dx, dw, db), ("dx", "dw", "db"))
    assert "dw of backward(...) has the wrong shape" in message(
        checks.check_outputs, (dx, np.ones(4), db), (dx, dw, db), ("dx", "dw", "db"), "backward(...)")


def test_an_error_in_the_students_code_is_reported_as_theirs_with_its_input():
    def my_pool(x, size):
        return x.reshape(size, -1)

    with pytest.raises(checks.ErrorInYourCode) as caught:
        checks.call(my_pool, np.zeros((3, 5)), size=4)
    assert str(caught.value).startswith("my_pool(a float64 array of shape (3, 5), size=int 4) raised ValueError")
    shown = "\n".join(caught.value._render_traceback_())
    assert "x.reshape(size, -1)" in shown and "cnnlab/checks.py" not in shown
    with pytest.raises(checks.CheckFailed):  # a check inside passes through
        checks.call(check_close, np.ones(2), np.zeros(2))


def test_a_failed_check_renders_as_its_message_alone():
    with pytest.raises(checks.CheckFailed) as caught:
        check_close(NONLINEAR[::-1], NONLINEAR, "pad(x)")
    lines = caught.value._render_traceback_()
    assert "Check failed" in lines[0] and lines[1].startswith("pad(x) has the right shape")
    assert not any("File " in line for line in lines)
    assert caught.value.mismatch.pattern == "mirrored"


def test_require_fails_with_its_message_only():
    checks.require(True, "never shown")
    with pytest.raises(checks.CheckFailed) as info:
        checks.require(False, "EPOCHS must be an int from 1 to 8, got 9")
    assert str(info.value) == "EPOCHS must be an int from 1 to 8, got 9"
