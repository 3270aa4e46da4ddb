"""Sizes and parameter counts against real torch layers (output shapes, nn.Module parameters)."""

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from cnnlab.padding import resolve_padding
from cnnlab.shapes import (
    conv_operations, conv_output_size, conv_params, dense_params, pool_output_size, resolve_padding_1d,
    same_padding,
)


def n_params(module):
    return sum(p.numel() for p in module.parameters())


@given(n=st.integers(1, 30), kernel=st.integers(1, 6), padding=st.integers(0, 4),
       stride=st.integers(1, 4), dilation=st.integers(1, 3))
def test_conv_output_size_matches_f_conv2d(n, kernel, padding, stride, dilation):
    assume(n + 2 * padding >= dilation * (kernel - 1) + 1)
    out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, kernel, kernel),
                   stride=stride, padding=padding, dilation=dilation)
    assert conv_output_size(n, kernel, padding, stride, dilation) == out.shape[-1]


@given(n=st.integers(1, 20), kernel=st.integers(1, 5), before=st.integers(0, 3),
       after=st.integers(0, 3), stride=st.integers(1, 3))
def test_asymmetric_padding_matches_f_pad_then_conv(n, kernel, before, after, stride):
    assume(n + before + after >= kernel)
    x = F.pad(torch.zeros(1, 1, 1, n), (before, after))
    out = F.conv2d(x, torch.zeros(1, 1, 1, kernel), stride=stride)
    assert conv_output_size(n, kernel, (before, after), stride) == out.shape[-1]


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")
@given(n=st.integers(1, 20), kernel=st.integers(1, 6), dilation=st.integers(1, 3))
def test_same_and_full_padding_strings(n, kernel, dilation):
    out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, kernel, kernel),
                   padding="same", dilation=dilation)
    assert conv_output_size(n, kernel, "same", dilation=dilation) == out.shape[-1] == n
    assert conv_output_size(n, kernel, "full", dilation=dilation) == n + dilation * (kernel - 1)


@given(n=st.integers(1, 30), kernel=st.integers(1, 5), stride=st.none() | st.integers(1, 4),
       data=st.data())
def test_pool_output_size_matches_f_max_pool2d(n, kernel, stride, data):
    padding = data.draw(st.integers(0, kernel // 2))
    assume(n + 2 * padding >= kernel)
    out = F.max_pool2d(torch.zeros(1, 1, n, n), kernel, stride, padding)
    assert pool_output_size(n, kernel, stride, padding) == out.shape[-1]


def test_strict_shows_the_arithmetic():
    with pytest.raises(ValueError, match=r"\(7 \+ 0 - 3\)/3 \+ 1 = 2\.33; fractions are illegal"):
        conv_output_size(7, 3, stride=3, strict=True)
    assert conv_output_size(7, 3, padding=1, stride=3, strict=True) == 3


def test_kernel_larger_than_padded_input():
    with pytest.raises(ValueError, match="kernel is larger than the padded input"):
        conv_output_size(4, 3, dilation=2)


@pytest.mark.parametrize("call, error, message", [
    (lambda: conv_output_size(7, 3, stride=0), ValueError, "stride must be an integer >= 1, got 0"),
    (lambda: conv_output_size(7, 3, padding=-1), ValueError, "padding must be a non-negative int"),
    (lambda: conv_output_size(7, 3, padding="half"), ValueError, "padding must be one of 'valid'"),
    (lambda: conv_output_size(7.0, 3), TypeError, "n must be an integer"),
    (lambda: same_padding(0), ValueError, "kernel must be an integer >= 1"),
    (lambda: conv_params(3, 3, 4, groups=2), ValueError, "in_channels must be divisible by groups=2"),
])
def test_bad_sizes_raise_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_same_padding_odd_even_and_dilated():
    assert [same_padding(f) for f in (1, 3, 5, 7)] == [0, 1, 2, 3]
    assert same_padding(3, dilation=2) == 2
    assert same_padding(2, dilation=2) == 1  # spans 3 pixels
    with pytest.raises(ValueError, match=r"even.*padding=\(1, 2\)"):
        same_padding(4)


@pytest.mark.parametrize("kernel, cin, cout, bias, groups", [
    (3, 1, 1, True, 1), (5, 3, 10, True, 1), ((3, 5), 4, 6, False, 1), (3, 8, 8, True, 8),
    (1, 6, 4, True, 2),
])
def test_conv_params_matches_nn_conv2d(kernel, cin, cout, bias, groups):
    layer = nn.Conv2d(cin, cout, kernel, bias=bias, groups=groups)
    assert conv_params(kernel, cin, cout, bias=bias, groups=groups) == n_params(layer)


@pytest.mark.parametrize("bias", [True, False])
def test_dense_params_matches_nn_linear(bias):
    assert dense_params(300, 7, bias=bias) == n_params(nn.Linear(300, 7, bias=bias))


def test_conv_operations_counts_muls_and_adds():
    assert conv_operations((3, 3), 3, in_channels=2) == 9 * (2 * 18 - 1)


@pytest.mark.parametrize("padding", [0, 2, "valid", "same", "full"])
@pytest.mark.parametrize("kernel, dilation", [(3, 1), (4, 1), (3, 2)])
def test_resolve_padding_1d_is_one_axis_of_resolve_padding(padding, kernel, dilation):
    assert resolve_padding_1d(padding, kernel, dilation) == resolve_padding(padding, kernel, dilation)[0]


def test_resolve_padding_1d_keeps_an_asymmetric_pair():
    assert resolve_padding_1d((0, 3), kernel=3) == (0, 3)
    with pytest.raises(ValueError, match="padding must be an integer >= 0, got -1"):
        resolve_padding_1d((1, -1), kernel=3)
