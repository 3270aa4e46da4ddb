"""Layer specs in Keras' vocabulary: a layer's hyperparameters, its output shape and its parameter count.

A spec (:class:`Conv2D`, :class:`MaxPooling2D`, :class:`Flatten`,
:class:`Dense`, ...) holds no weights, only a layer's hyperparameters, with
Keras' names, argument names and ``(H, W, C)`` shape order. Each spec knows its
``output_shape(input_shape)`` and ``params(input_shape)``, computed with the
size formulas of :mod:`cnnlab.shapes`. What a stack of specs adds up to (the
tables of the notes, :func:`cnnlab.stacks.summary`, and
:func:`cnnlab.stacks.receptive_field`) is in :mod:`cnnlab.stacks`.

Examples
--------
>>> Conv2D(8, 3).output_shape((28, 28, 1)), Conv2D(8, 3).params((28, 28, 1))
((26, 26, 8), 80)
"""

import math
from dataclasses import dataclass

from ._validate import check_choice, check_int, check_pair, describe
from .padding import resolve_padding
from .shapes import conv_output_size, conv_params, dense_params, resolve_padding_1d


def _check_input_shape(input_shape, layer, layout):
    """Return ``input_shape`` as a tuple of ints, checking its length against ``layout``."""
    rank = layout.count(",") + 1
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != rank:
        raise ValueError(f"{layer} expects an input shape {layout}, got {describe(input_shape)}")
    return tuple(check_int(size, "input_shape", minimum=1) for size in input_shape)


@dataclass(frozen=True, repr=False)
class Layer:
    """Base of the layer specs: a repr that shows only what differs from the defaults."""

    keras_name = "layer"

    def __post_init__(self):
        for name in ("filters", "units", "depth_multiplier"):
            if name in self.__dataclass_fields__:
                check_int(getattr(self, name), name, minimum=1)

    def __repr__(self):
        parts = []
        for name, spec in self.__dataclass_fields__.items():
            value = getattr(self, name)
            if spec.default is spec.default_factory:  # both MISSING: a required argument
                parts.append(repr(value))
            elif value != spec.default:
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"

    def params(self, input_shape):
        """Number of learnable parameters for this ``input_shape`` (none by default)."""
        return 0


@dataclass(frozen=True, repr=False)
class _Window2D(Layer):
    """Shared by 2-D conv and pooling specs: the sliding-window output size."""

    def _pairs(self):
        return (check_pair(self.kernel_size, "kernel_size", minimum=1),
                check_pair(self.strides, "strides", minimum=1),
                check_pair(self.dilation_rate, "dilation_rate", minimum=1))

    def __post_init__(self):
        super().__post_init__()
        kernel, _, dilation = self._pairs()
        if isinstance(self.padding, str):
            check_choice(self.padding, "padding", ("valid", "same"))
        resolve_padding(self.padding, kernel_size=kernel, dilation=dilation)

    def window(self):
        """``((kh, sh, dh), (kw, sw, dw))``: kernel, stride and dilation per axis."""
        return tuple(zip(*self._pairs()))

    def _channels(self, input_shape):
        return _check_input_shape(input_shape, type(self).__name__, "(H, W, C)")[-1]

    def output_shape(self, input_shape):
        """``(H', W', C')`` for an ``(H, W, C)`` input, sizes by :func:`conv_output_size`."""
        height, width, channels = _check_input_shape(input_shape, type(self).__name__, "(H, W, C)")
        kernel, _, dilation = self._pairs()
        pads = resolve_padding(self.padding, kernel_size=kernel, dilation=dilation)
        spatial = tuple(conv_output_size(n, k, p, s, d)
                        for n, p, (k, s, d) in zip((height, width), pads, self.window()))
        return spatial + (self._out_channels(channels),)


@dataclass(frozen=True, repr=False)
class Conv2D(_Window2D):
    """``filters`` kernels of ``kernel_size`` over all input channels: (H, W, C) -> (H', W', K).

    ``padding`` is ``'valid'``, ``'same'`` or, beyond Keras, an int or
    ``(ph, pw)`` of explicit zero padding (as PyTorch's ``nn.Conv2d``).

    Examples
    --------
    >>> Conv2D(5, 3).output_shape((10, 10, 1)), Conv2D(5, 3).params((10, 10, 1))
    ((8, 8, 5), 50)
    """

    filters: int
    kernel_size: object
    strides: object = 1
    padding: object = "valid"
    dilation_rate: object = 1
    use_bias: bool = True
    keras_name = "conv2d"

    def _out_channels(self, channels):
        return self.filters

    def params(self, input_shape):
        """``(kh*kw*C)*filters + filters``."""
        channels = self._channels(input_shape)
        return conv_params(self.kernel_size, channels, self.filters, self.use_bias)


@dataclass(frozen=True, repr=False)
class DepthwiseConv2D(_Window2D):
    """One ``kernel_size`` filter per input channel (times ``depth_multiplier``); no mixing.

    Examples
    --------
    >>> DepthwiseConv2D(3).params((32, 32, 64))  # 3*3*64 + 64
    640
    """

    kernel_size: object
    strides: object = 1
    padding: object = "valid"
    depth_multiplier: int = 1
    dilation_rate: object = 1
    use_bias: bool = True
    keras_name = "depthwise_conv2d"

    def _out_channels(self, channels):
        return channels * self.depth_multiplier

    def params(self, input_shape):
        """``kh*kw*C*m + C*m``."""
        channels = self._channels(input_shape)
        return conv_params(self.kernel_size, channels, self._out_channels(channels), self.use_bias,
                           groups=channels)


@dataclass(frozen=True, repr=False)
class SeparableConv2D(_Window2D):
    """Depthwise ``kernel_size`` conv per channel, then a 1x1 pointwise conv to ``filters``.

    As in Keras, only the pointwise step has a bias.

    Examples
    --------
    >>> SeparableConv2D(64, 3).params((32, 32, 64))  # 3*3*64 + 64*64 + 64, vs 36,928 for Conv2D
    4736
    """

    filters: int
    kernel_size: object
    strides: object = 1
    padding: object = "valid"
    depth_multiplier: int = 1
    dilation_rate: object = 1
    use_bias: bool = True
    keras_name = "separable_conv2d"

    def _out_channels(self, channels):
        return self.filters

    def params(self, input_shape):
        """``kh*kw*C*m`` (depthwise) ``+ C*m*filters + filters`` (pointwise)."""
        channels = self._channels(input_shape)
        middle = channels * self.depth_multiplier
        depthwise = conv_params(self.kernel_size, channels, middle, bias=False, groups=channels)
        return depthwise + conv_params(1, middle, self.filters, self.use_bias)


@dataclass(frozen=True, repr=False)
class MaxPooling2D(_Window2D):
    """Largest value per ``pool_size`` window and channel; ``strides`` defaults to ``pool_size``.

    Examples
    --------
    >>> MaxPooling2D().output_shape((26, 26, 32))
    (13, 13, 32)
    """

    pool_size: object = 2
    strides: object = None
    padding: object = "valid"
    keras_name = "max_pooling2d"
    dilation_rate = 1

    @property
    def kernel_size(self):
        return self.pool_size

    def _pairs(self):
        strides = self.pool_size if self.strides is None else self.strides
        return (check_pair(self.pool_size, "pool_size", minimum=1),
                check_pair(strides, "strides", minimum=1), (1, 1))

    def _out_channels(self, channels):
        return channels  # pooling keeps the depth


@dataclass(frozen=True, repr=False)
class AveragePooling2D(MaxPooling2D):
    """Mean per ``pool_size`` window and channel; no weights.

    Examples
    --------
    >>> AveragePooling2D(3, strides=2).output_shape((13, 13, 256))
    (6, 6, 256)
    """

    keras_name = "average_pooling2d"


@dataclass(frozen=True, repr=False)
class GlobalAveragePooling2D(Layer):
    """Mean over all positions of each channel: (H, W, C) -> (C,).

    Examples
    --------
    >>> GlobalAveragePooling2D().output_shape((7, 7, 512))
    (512,)
    """

    keras_name = "global_average_pooling2d"

    def output_shape(self, input_shape):
        """``(C,)``."""
        return _check_input_shape(input_shape, "GlobalAveragePooling2D", "(H, W, C)")[-1:]


@dataclass(frozen=True, repr=False)
class Conv1D(Layer):
    """``filters`` kernels of length ``kernel_size`` over a sequence: (L, C) -> (L', filters).

    Examples
    --------
    >>> Conv1D(8, 3).output_shape((100, 5)), Conv1D(8, 3).params((100, 5))
    ((98, 8), 128)
    """

    filters: int
    kernel_size: int
    strides: int = 1
    padding: object = "valid"
    dilation_rate: int = 1
    use_bias: bool = True
    keras_name = "conv1d"

    def __post_init__(self):
        super().__post_init__()
        check_int(self.kernel_size, "kernel_size", minimum=1)
        check_int(self.strides, "strides", minimum=1)
        check_int(self.dilation_rate, "dilation_rate", minimum=1)
        if isinstance(self.padding, str):
            check_choice(self.padding, "padding", ("valid", "same"))
        resolve_padding_1d(self.padding, self.kernel_size, self.dilation_rate)

    def window(self):
        """``((kernel, stride, dilation),)``."""
        return ((self.kernel_size, self.strides, self.dilation_rate),)

    def output_shape(self, input_shape):
        """``(L', filters)``."""
        length, _ = _check_input_shape(input_shape, "Conv1D", "(L, C)")
        size = conv_output_size(length, self.kernel_size, self.padding, self.strides,
                                self.dilation_rate)
        return (size, self.filters)

    def params(self, input_shape):
        """``(F*C)*filters + filters``."""
        channels = _check_input_shape(input_shape, "Conv1D", "(L, C)")[-1]
        return conv_params((1, self.kernel_size), channels, self.filters, self.use_bias)


@dataclass(frozen=True, repr=False)
class Flatten(Layer):
    """All values in one vector: (H, W, C) -> (H*W*C,).

    Examples
    --------
    >>> Flatten().output_shape((22, 22, 64))
    (30976,)
    """

    keras_name = "flatten"

    def output_shape(self, input_shape):
        """``(product of the sizes,)``."""
        sizes = tuple(check_int(size, "input_shape", minimum=1) for size in input_shape)
        return (math.prod(sizes),)


@dataclass(frozen=True, repr=False)
class Dense(Layer):
    """Fully connected on the last axis, as in Keras: (..., n) -> (..., units).

    Put a :class:`Flatten` before it to connect every value of a feature map.

    Examples
    --------
    >>> Dense(1).params((30976,))
    30977
    """

    units: int
    use_bias: bool = True
    keras_name = "dense"

    def output_shape(self, input_shape):
        """``input_shape[:-1] + (units,)``."""
        sizes = tuple(check_int(size, "input_shape", minimum=1) for size in input_shape)
        return sizes[:-1] + (self.units,)

    def params(self, input_shape):
        """``n * units + units``."""
        return dense_params(input_shape[-1], self.units, self.use_bias)


@dataclass(frozen=True, repr=False)
class Activation(Layer):
    """An elementwise nonlinearity (``'relu'``, ``'sigmoid'``, ...): same shape, no weights.

    Examples
    --------
    >>> Activation("relu").output_shape((8, 8, 5))
    (8, 8, 5)
    """

    activation: str
    keras_name = "activation"

    def output_shape(self, input_shape):
        """Unchanged."""
        return tuple(input_shape)


__all__ = [
    "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "MaxPooling2D", "AveragePooling2D",
    "GlobalAveragePooling2D", "Conv1D", "Flatten", "Dense", "Activation", "Layer",
]
