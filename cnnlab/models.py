"""The lecture's architectures in PyTorch.

LeNet-5 (LeCun et al. 1998) sized for the digits, AlexNet (the single-tower
torchvision variant), config-driven VGG, and a residual block with an identity
shortcut (He et al.). AlexNet and VGG are built from the one description of
each in :mod:`cnnlab.examples` (``ALEXNET_LAYERS``, ``VGG_CONFIGS``), which the
lecture's parameter tables use too. Counting and inspecting a model is
:mod:`cnnlab.inspection`'s job.

Importing this module imports torch; ``import cnnlab`` does not. Models are
built only when a factory is called. Every factory takes ``device``: with
``device="meta"`` the layers get shapes but no memory, so VGG19's 143,667,240
parameters can be counted in milliseconds.
"""

import torch
from torch import nn

from ._validate import check_choice, check_int, describe
from .examples import ALEXNET_LAYERS, VGG_CONFIGS
from .layers import Conv2D, Dense, MaxPooling2D
from .padding import resolve_padding
from .shapes import conv_output_size

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh}
_POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}


class ConvNet(nn.Module):
    """A typical CNN: ``features`` (conv, activation, pooling) then ``classifier`` (flatten, dense).

    Parameters
    ----------
    features, classifier : torch.nn.Sequential
        The two stages; ``forward(x)`` is ``classifier(features(x))``.

    Examples
    --------
    >>> features = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2))
    >>> model = ConvNet(features, nn.Sequential(nn.Flatten(), nn.Linear(2 * 3 * 3, 4)))
    >>> model(torch.zeros(5, 1, 8, 8)).shape
    torch.Size([5, 4])
    """

    def __init__(self, features, classifier):
        super().__init__()
        self.features = features
        self.classifier = classifier

    def forward(self, x):
        """Map a batch (N, C, H, W) to class scores (N, num_classes)."""
        return self.classifier(self.features(x))


def _classifier(n_features, widths, activation, dropout):
    """Flatten, then dense layers ``n_features -> widths[0] -> ...``, activation (and dropout) between."""
    sizes = [n_features, *widths]
    layers = [nn.Flatten()]
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        is_hidden = i < len(sizes) - 2
        layers += [nn.Dropout(dropout)] if dropout and is_hidden else []
        layers += [nn.Linear(n_in, n_out)] + ([activation()] if is_hidden else [])
    return nn.Sequential(*layers)


def _build(make_features, in_channels, input_size, widths, activation, dropout, device):
    """Build ``ConvNet(features, classifier)`` on ``device`` (default the CPU)."""
    with torch.device(device or "cpu"):
        features = make_features()
        n_features = _flat_size(features, in_channels, input_size)
        return ConvNet(features, _classifier(n_features, widths, activation, dropout))


def _flat_size(features, channels, size):
    """Number of values that ``features`` outputs for one (channels, size, size) input.

    Walks the layers with the lecture's output-size formula
    ``floor((N + 2P - d(F - 1) - 1) / S) + 1``; activations and batch norm keep the shape.
    """
    for layer in features:
        if isinstance(layer, nn.Conv2d):
            channels = layer.out_channels
            size = conv_output_size(
                size, layer.kernel_size[0], layer.padding[0], layer.stride[0], layer.dilation[0]
            )
        elif isinstance(layer, (nn.MaxPool2d, nn.AvgPool2d)):
            size = conv_output_size(size, layer.kernel_size, layer.padding, layer.stride)
    return channels * size * size


def lenet5(num_classes=10, in_channels=1, input_size=32, activation="relu", pool="max", device=None):
    """LeNet-5 (LeCun, Bottou, Bengio, Haffner 1998), the first CNN trained with backprop.

    C1: 6 filters 5x5 -> 28x28x6; S2: pool 2 -> 14x14x6; C3: 16 filters 5x5 ->
    10x10x16; S4: pool 2 -> 5x5x16; C5: dense 400 -> 120 (the paper's 5x5
    convolution on a 5x5 map is exactly this); F6: 120 -> 84; output: 84 -> 10.
    The paper used scaled tanh and trainable average pooling; ReLU and max
    pooling (the defaults) train faster.

    Parameters
    ----------
    num_classes, in_channels : int
        Number of classes and of input channels.
    input_size : int
        Side of the square input (32 in the paper; :func:`cnnlab.datasets.load_digits` gives 32).
    activation : {'relu', 'tanh'}
    pool : {'max', 'avg'}
    device : str or torch.device, optional
        Where to build the layers (``"meta"``: shapes only); default the CPU.

    Examples
    --------
    >>> from cnnlab.inspection import count_params
    >>> count_params(lenet5())
    61706
    """
    act = _ACTIVATIONS[check_choice(activation, "activation", tuple(_ACTIVATIONS))]
    pool_layer = _POOLS[check_choice(pool, "pool", tuple(_POOLS))]
    in_channels = check_int(in_channels, "in_channels", minimum=1)
    input_size = _check_input_size(input_size, minimum=16)

    def features():
        return nn.Sequential(
            nn.Conv2d(in_channels, 6, 5), act(), pool_layer(2),
            nn.Conv2d(6, 16, 5), act(), pool_layer(2),
        )  # fmt: skip

    widths = [120, 84, check_int(num_classes, "num_classes", minimum=1)]
    return _build(features, in_channels, input_size, widths, act, 0.0, device)


def alexnet(num_classes=1000, in_channels=3, input_size=224, dropout=0.5, device=None):
    """AlexNet (Krizhevsky, Sutskever, Hinton 2012) as one tower, the torchvision variant.

    Five convolutions (11x11 stride 4, 5x5, three 3x3) with three 3x3/stride-2
    max-pools, then dense 9216 -> 4096 -> 4096 -> classes with dropout:
    61,100,840 parameters for 224x224x3 inputs and 1000 classes (the paper's
    two-GPU version has about 60 million).

    Parameters
    ----------
    num_classes, in_channels, input_size : int
    dropout : float
        Dropout probability before the two hidden dense layers.
    device : str or torch.device, optional
        Where to build the layers (``"meta"``: shapes only); default the CPU.

    Examples
    --------
    >>> from cnnlab.inspection import count_params
    >>> count_params(alexnet(device="meta"))
    61100840
    """
    in_channels = check_int(in_channels, "in_channels", minimum=1)
    input_size = _check_input_size(input_size, minimum=63)

    def features():
        return _torch_features(ALEXNET_LAYERS, in_channels)

    hidden = [layer.units for layer in ALEXNET_LAYERS if isinstance(layer, Dense)][:-1]  # 4096, 4096
    widths = [*hidden, check_int(num_classes, "num_classes", minimum=1)]
    return _build(features, in_channels, input_size, widths, nn.ReLU, dropout, device)


def _torch_features(specs, in_channels):
    """The conv and pooling part of a list of :mod:`cnnlab.layers` specs as torch layers, a ReLU after each conv.

    Examples
    --------
    >>> _torch_features([Conv2D(4, 3, padding="same"), MaxPooling2D(2), Dense(10)], in_channels=1)
    Sequential(
      (0): Conv2d(1, 4, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
      (1): ReLU()
      (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
    )
    """
    modules, channels = [], in_channels
    for spec in specs:
        if isinstance(spec, Conv2D):
            (kh, _, dh), (kw, _, dw) = spec.window()
            (top, _), (left, _) = resolve_padding(spec.padding, kernel_size=(kh, kw), dilation=(dh, dw))
            modules += [nn.Conv2d(channels, spec.filters, spec.kernel_size, stride=spec.strides,
                                  padding=(top, left), dilation=spec.dilation_rate), nn.ReLU()]
            channels = spec.filters
        elif isinstance(spec, MaxPooling2D):
            stride = spec.pool_size if spec.strides is None else spec.strides
            modules.append(nn.MaxPool2d(spec.pool_size, stride=stride))
    return nn.Sequential(*modules)


def vgg(config="VGG16", num_classes=1000, in_channels=3, input_size=224, batch_norm=False,
        classifier_width=4096, dropout=0.5, device=None):  # fmt: skip
    """VGG (Simonyan & Zisserman 2015): only 3x3 convs (stride 1, pad 1) and 2x2 max-pools.

    Parameters
    ----------
    config : {'VGG11', 'VGG13', 'VGG16', 'VGG19'} or list
        A name from ``VGG_CONFIGS`` or a list of conv widths (int) and ``"M"`` for max-pool.
    num_classes, in_channels : int
    input_size : int
        Side of the square input; each "M" halves it (224 -> 7 after five pools).
    batch_norm : bool
        Put a BatchNorm2d after every conv (the later "VGG16_BN" variant).
    classifier_width : int
        Width of the two hidden dense layers (4096 in the paper).
    dropout : float
    device : str or torch.device, optional
        Where to build the layers (``"meta"``: shapes only); default the CPU.

    Examples
    --------
    >>> from cnnlab.inspection import count_params
    >>> count_params(vgg("VGG16", device="meta")), count_params(vgg("VGG19", device="meta"))
    (138357544, 143667240)
    """
    layers = _vgg_config(config)
    in_channels = check_int(in_channels, "in_channels", minimum=1)
    input_size = _check_input_size(input_size, minimum=2 ** layers.count("M"))

    def features():
        modules, channels = [], in_channels
        for item in layers:
            if item == "M":
                modules.append(nn.MaxPool2d(2, 2))
                continue
            modules.append(nn.Conv2d(channels, item, 3, padding=1))
            modules += [nn.BatchNorm2d(item)] if batch_norm else []
            modules.append(nn.ReLU())
            channels = item
        return nn.Sequential(*modules)

    width = check_int(classifier_width, "classifier_width", minimum=1)
    widths = [width, width, check_int(num_classes, "num_classes", minimum=1)]
    return _build(features, in_channels, input_size, widths, nn.ReLU, dropout, device)


def _vgg_config(config):
    """Return the layer list of ``config`` (a name from VGG_CONFIGS or a list)."""
    if isinstance(config, str):
        return VGG_CONFIGS[check_choice(config, "config", tuple(VGG_CONFIGS))]
    if not (isinstance(config, (list, tuple)) and config and all(_is_vgg_item(i) for i in config)):
        raise ValueError(
            f"config must be one of {tuple(VGG_CONFIGS)} or a list of conv widths (int > 0) "
            f"and 'M' for max-pool, got {describe(config)}"
        )
    return list(config)


def _is_vgg_item(item):
    """True for "M" (max-pool) and for a positive int (conv width)."""
    return item == "M" or (isinstance(item, int) and not isinstance(item, bool) and item > 0)


def _check_input_size(size, minimum):
    """Return ``size`` as int after checking the network can shrink it without reaching zero."""
    size = check_int(size, "input_size", minimum=1)
    if size < minimum:
        raise ValueError(f"input_size must be at least {minimum} for this network, got {size}")
    return size


class ResidualBlock(nn.Module):
    """A residual block with an identity shortcut: ``out = x + F(x)``.

    ``F`` is the pre-activation branch of He et al. (2016):
    BN -> ReLU -> conv 3x3 -> BN -> ReLU -> conv 3x3, with "same" padding so
    that ``F(x)`` has the shape of ``x``. Both ReLUs sit *inside* the branch
    and none after the addition: with ``relu(x + F(x))`` (the 2015 block) a
    zero branch would still clip negative inputs. Here, when the last conv's
    weights and bias are zero, ``F(x) = 0`` and the block is exactly the
    identity, the lecture's "when identity is required: just set weights to
    zero". The shortcut has no parameters.

    Parameters
    ----------
    channels : int
        Channels in and out.
    kernel_size : int
        Odd side of both convolutions.
    batch_norm : bool
        Use BatchNorm2d before each ReLU (else the branch is ReLU -> conv -> ReLU -> conv).
    identity_init : bool
        Start with the last conv at zero, so that the new block is the identity.

    Examples
    --------
    >>> from cnnlab.inspection import count_params
    >>> block = ResidualBlock(4, identity_init=True)
    >>> x = torch.randn(2, 4, 5, 5)
    >>> torch.equal(block(x), x), count_params(block)
    (True, 312)
    """

    def __init__(self, channels, kernel_size=3, batch_norm=True, identity_init=False):
        super().__init__()
        channels = check_int(channels, "channels", minimum=1)
        kernel_size = check_int(kernel_size, "kernel_size", minimum=1)
        if kernel_size % 2 == 0:
            raise ValueError(
                f"kernel_size must be odd so that 'same' padding keeps the shape, got {kernel_size}"
            )

        def norm():
            return nn.BatchNorm2d(channels) if batch_norm else nn.Identity()

        pad = kernel_size // 2
        self.residual = nn.Sequential(
            norm(), nn.ReLU(), nn.Conv2d(channels, channels, kernel_size, padding=pad),
            norm(), nn.ReLU(), nn.Conv2d(channels, channels, kernel_size, padding=pad),
        )  # fmt: skip
        if identity_init:
            nn.init.zeros_(self.residual[-1].weight)
            nn.init.zeros_(self.residual[-1].bias)

    def forward(self, x):
        """Return ``x + F(x)``, same shape as ``x`` (N, channels, H, W)."""
        return x + self.residual(x)


__all__ = ["ConvNet", "lenet5", "alexnet", "vgg", "ResidualBlock", "VGG_CONFIGS"]
