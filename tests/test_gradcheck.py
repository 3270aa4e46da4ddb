"""The numerical gradient check: central differences, relative error, and the GradientCheck it returns."""

import numpy as np
import pytest
import torch

from cnnlab.gradcheck import gradient_check, numerical_gradient, rel_error


def test_numerical_gradient_scalar_f_tensor_input_and_no_side_effects():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    grad = numerical_gradient(lambda v: (v ** 3).sum(), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, before)
    grad_t = numerical_gradient(lambda v: (v.sin()).sum(), torch.tensor(x))
    assert isinstance(grad_t, torch.Tensor)
    np.testing.assert_allclose(grad_t.numpy(), np.cos(x), rtol=1e-8)


def test_gradient_check_finds_a_wrong_gradient_and_prints_nothing(capsys):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    wrong = 2 * x
    wrong[0, 1] += 1.0
    result = gradient_check(lambda v: (v ** 2).sum(), x, wrong)
    assert not result.ok
    assert result.worst_index == (0, 1)
    assert result.analytic == pytest.approx(5.0) and result.numeric == pytest.approx(4.0)
    assert result.rel_error == pytest.approx(1 / 9)
    assert "ok=False" in repr(result)
    assert capsys.readouterr().out == ""


def test_rel_error():
    assert rel_error(np.array([1.0, 0.0]), np.array([1.0, 0.0])) == 0.0
    assert rel_error([2.0, 4.0], [2.0, 5.0]) == pytest.approx(1 / 9)
    assert rel_error(torch.tensor([1.0]), np.array([3.0])) == pytest.approx(0.5)


@pytest.mark.parametrize("call, message", [
    (lambda: numerical_gradient(lambda v: v * 2, np.ones(3)), "pass the upstream gradient as df"),
    (lambda: rel_error(np.ones(2), np.ones(3)), "same shape"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(ValueError, match=message):
        call()
