"""Shapes and parameter counts against real torch layers (output shapes, nn.Module parameters)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given
from hypothesis import strategies as st
from torch import nn

from cnnlab.shapes import (
    Activation, AveragePooling2D, Conv1D, Conv2D, Dense, DepthwiseConv2D, Flatten,
    GlobalAveragePooling2D, MaxPooling2D, SeparableConv2D, Summary, conv_operations,
    conv_output_size, conv_params, dense_params, pool_output_size, receptive_field, same_padding,
    summary,
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


# --- layer specs against torch modules -------------------------------------------------------


def torch_module(layer, channels):
    """The torch module that computes the same as a Keras-style spec on ``channels`` inputs."""
    if isinstance(layer, Conv2D):
        return nn.Conv2d(channels, layer.filters, layer.kernel_size, layer.strides, layer.padding,
                         layer.dilation_rate, bias=layer.use_bias)
    if isinstance(layer, SeparableConv2D):
        middle = channels * layer.depth_multiplier
        return nn.Sequential(nn.Conv2d(channels, middle, layer.kernel_size, layer.strides, layer.padding,
                                       groups=channels, bias=False),
                             nn.Conv2d(middle, layer.filters, 1, bias=layer.use_bias))
    if isinstance(layer, DepthwiseConv2D):
        return nn.Conv2d(channels, channels * layer.depth_multiplier, layer.kernel_size, layer.strides,
                         layer.padding, groups=channels, bias=layer.use_bias)
    if isinstance(layer, AveragePooling2D):
        return nn.AvgPool2d(layer.pool_size, layer.strides)
    if isinstance(layer, MaxPooling2D):
        return nn.MaxPool2d(layer.pool_size, layer.strides)
    if isinstance(layer, Activation):
        return nn.ReLU()
    raise AssertionError(layer)


SPATIAL_STACKS = [
    [Conv2D(8, 3), Activation("relu"), MaxPooling2D(), Conv2D(4, (3, 5), strides=2, padding=1)],
    [Conv2D(6, 5, padding="same", dilation_rate=2), AveragePooling2D(3, strides=2),
     Conv2D(2, 1, use_bias=False)],
    [DepthwiseConv2D(3, depth_multiplier=2), SeparableConv2D(5, 3, strides=2),
     MaxPooling2D(2, strides=1)],
]


@pytest.mark.parametrize("layers", SPATIAL_STACKS, ids=["conv-pool", "dilated-same", "separable"])
def test_summary_rows_match_torch_modules(layers):
    height, width, channels = 23, 21, 3
    table = summary(layers, (height, width, channels))
    x = torch.zeros(1, channels, height, width)
    for row in table.rows:
        module = torch_module(row.layer, x.shape[1])
        x = module(x)
        assert row.output_shape == (x.shape[2], x.shape[3], x.shape[1]), row
        assert row.params == n_params(module), row


def test_conv1d_and_dense_match_torch():
    assert Conv1D(8, 3).params((100, 5)) == n_params(nn.Conv1d(5, 8, 3))
    out = nn.Conv1d(5, 8, 3, stride=2, padding=1, dilation=2)(torch.zeros(1, 5, 100))
    assert Conv1D(8, 3, strides=2, padding=1, dilation_rate=2).output_shape((100, 5)) == (out.shape[2], 8)
    assert Dense(10).output_shape((7, 3)) == (7, 10)  # Keras: on the last axis
    assert Dense(10).params((7, 3)) == n_params(nn.Linear(3, 10))


def vgg_modules(blocks):
    layers, channels = [], 3
    for repeat, width in blocks:
        for _ in range(repeat):
            layers += [nn.Conv2d(channels, width, 3, padding=1), nn.ReLU()]
            channels = width
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(512 * 7 * 7, 4096), nn.ReLU(),
                         nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 1000))


def vgg_specs(blocks):
    layers = []
    for repeat, width in blocks:
        layers += [Conv2D(width, 3, padding="same")] * repeat + [MaxPooling2D()]
    return layers + [Flatten(), Dense(4096), Dense(4096), Dense(1000)]


@pytest.mark.parametrize("blocks, total", [
    ([(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)], 138_357_544),
    ([(2, 64), (2, 128), (4, 256), (4, 512), (4, 512)], 143_667_240),
], ids=["vgg16", "vgg19"])
def test_vgg_totals_match_torch(blocks, total):
    with torch.device("meta"):  # parameters without memory
        model = vgg_modules(blocks)
    table = summary(vgg_specs(blocks), (224, 224, 3))
    assert table.total_params == n_params(model) == total
    assert table.rows[-5].output_shape == (7, 7, 512) and table.output_shape == (1000,)


def test_receptive_field_matches_torch_gradient():
    # average pooling: its gradient reaches the whole window (max pooling only the arg-max)
    layers = [Conv2D(1, 3), AveragePooling2D(2), Conv2D(1, 3, dilation_rate=2), Conv2D(1, (1, 3), strides=2)]
    x = torch.ones(1, 1, 40, 40, requires_grad=True)
    y = x
    for layer in layers:
        module = torch_module(layer, 1)
        if isinstance(module, nn.Conv2d):
            nn.init.ones_(module.weight)
        y = module(y)
    y[0, 0, y.shape[2] // 2, y.shape[3] // 2].backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    seen = (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1)
    assert receptive_field(layers) == seen


def test_receptive_field_rejects_dense_layers():
    with pytest.raises(TypeError, match="receptive_field needs conv or pooling layers"):
        receptive_field([Conv2D(1, 3), Flatten()])


def test_summary_table_text_and_html():
    table = summary([Conv2D(8, 3), MaxPooling2D(), GlobalAveragePooling2D(), Dense(2)], (28, 28, 1))
    assert isinstance(table, Summary)
    text = str(table)
    assert repr(table) == text
    conv_line = next(line for line in text.splitlines() if "(Conv2D)" in line)
    assert conv_line.split() == ["conv2d", "(Conv2D)", "(None,", "26,", "26,", "8)", "80"]
    assert "Total params: 98" in text and "(None, 13, 13, 8)" in text
    assert table._repr_html_().startswith("<table>") and "max_pooling2d (MaxPooling2D)" in table._repr_html_()
    assert [row.name for row in table.rows] == ["conv2d", "max_pooling2d", "global_average_pooling2d", "dense"]


def test_spec_reprs_show_only_what_differs():
    assert repr(Conv2D(64, 3, padding="same")) == "Conv2D(64, 3, padding='same')"
    assert repr(MaxPooling2D(3, strides=2)) == "MaxPooling2D(pool_size=3, strides=2)"
    assert repr(Dense(10)) == "Dense(10)" and repr(Flatten()) == "Flatten()"


@pytest.mark.parametrize("call, error, message", [
    (lambda: summary([Conv2D(1, 3)], (100, 5)), ValueError, r"Conv2D expects an input shape \(H, W, C\)"),
    (lambda: summary([Conv1D(1, 3)], (10, 10, 1)), ValueError, r"Conv1D expects an input shape \(L, C\)"),
    (lambda: summary([{"conv": 3}], (10, 10, 1)), TypeError, "layers must hold layer specs"),
    (lambda: summary([Conv2D(1, 5)], (3, 3, 1)), ValueError, "kernel is larger than the padded input"),
    (lambda: Conv2D(1, 3, padding="full"), ValueError, "padding must be one of 'valid', 'same'"),
    (lambda: Conv2D(1, 0), ValueError, "kernel_size must be an integer >= 1"),
    (lambda: Conv2D(0, 3), ValueError, "filters must be an integer >= 1, got 0"),
    (lambda: Dense(2.5), TypeError, "units must be an integer"),
    (lambda: Conv1D(4, 3, strides=0), ValueError, "strides must be an integer >= 1, got 0"),
    (lambda: MaxPooling2D(2, strides=(1, 2, 3)), ValueError, "strides must be an int or a pair"),
])
def test_bad_layer_specs(call, error, message):
    with pytest.raises(error, match=message):
        call()
