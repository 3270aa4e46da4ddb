"""Layer specs, summary() and receptive_field() against torch modules (output shapes, parameters, gradients)."""

import numpy as np
import pytest
import torch
from torch import nn

from cnnlab.layers import (
    Activation, AveragePooling2D, Conv1D, Conv2D, Dense, DepthwiseConv2D, Flatten,
    GlobalAveragePooling2D, MaxPooling2D, SeparableConv2D,
)
from cnnlab.stacks import Summary, receptive_field, summary


def n_params(module):
    return sum(p.numel() for p in module.parameters())


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
