"""The lecture's architectures in PyTorch, and tools to count and inspect them.

LeNet-5 (LeCun et al. 1998) sized for the digits, AlexNet (the single-tower
torchvision variant), config-driven VGG, and a residual block with an identity
shortcut (He et al.). ``count_params`` and ``summary`` give the parameter
tables of notebook 10; ``activations`` returns the feature maps of notebook 09.

Importing this module imports torch; ``import cnnlab`` does not. Models are
built only when a factory is called. Every factory takes ``device``: with
``device="meta"`` the layers get shapes but no memory, so VGG19's 143,667,240
parameters can be counted in milliseconds.
"""

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from ._validate import check_choice, check_int, describe
from .shapes import conv_output_size

#: Channels of each 3x3 conv (stride 1, pad 1); "M" is a 2x2 max-pool with stride 2.
#: The columns A, B, D, E of table 1 in Simonyan & Zisserman (2015).
VGG_CONFIGS = {
    "VGG11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "VGG13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "VGG16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "VGG19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
              512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}  # fmt: skip

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
    >>> count_params(alexnet(device="meta"))
    61100840
    """
    in_channels = check_int(in_channels, "in_channels", minimum=1)
    input_size = _check_input_size(input_size, minimum=63)

    def features():
        return nn.Sequential(
            nn.Conv2d(in_channels, 64, 11, stride=4, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(64, 192, 5, padding=2), nn.ReLU(), nn.MaxPool2d(3, 2),
            nn.Conv2d(192, 384, 3, padding=1), nn.ReLU(),
            nn.Conv2d(384, 256, 3, padding=1), nn.ReLU(),
            nn.Conv2d(256, 256, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2),
        )  # fmt: skip

    widths = [4096, 4096, check_int(num_classes, "num_classes", minimum=1)]
    return _build(features, in_channels, input_size, widths, nn.ReLU, dropout, device)


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


def count_params(model, trainable_only=True):
    """Count the parameters of ``model`` (only those with ``requires_grad`` unless told otherwise).

    Examples
    --------
    >>> count_params(nn.Conv2d(3, 10, 5))  # 10 * (5 * 5 * 3 + 1)
    760
    """
    _check_module(model)
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def _check_module(model):
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")


@dataclass(frozen=True)
class SummaryRow:
    """One layer call in a :class:`ModelSummary`: name, type, output shape (no batch axis), own params."""

    name: str
    layer: str
    output_shape: tuple
    params: int


@dataclass(frozen=True, repr=False)
class ModelSummary:
    """A Keras-style table of a model: one row per layer call, then the totals.

    Shows as text (``repr``) and as an HTML table in a notebook (``_repr_html_``).
    Shapes are PyTorch's (C, H, W) without the batch axis.
    """

    rows: tuple
    input_shape: tuple
    output_shape: tuple
    total_params: int
    trainable_params: int

    def _lines(self):
        header = ("Layer (type)", "Output shape", "Param #")
        body = [(f"{r.name} ({r.layer})", str(r.output_shape), f"{r.params:,}") for r in self.rows]
        return header, body

    def __repr__(self):
        header, body = self._lines()
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(3)]
        line = "  ".join(("{:<%d}" % widths[0], "{:<%d}" % widths[1], "{:>%d}" % widths[2]))
        rule = "=" * (sum(widths) + 4)
        return "\n".join(
            [f"Input shape: {self.input_shape}", line.format(*header), rule]
            + [line.format(*row) for row in body]
            + [rule, *self._totals()]
        )

    def _totals(self):
        return [
            f"Total params: {self.total_params:,}",
            f"Trainable params: {self.trainable_params:,}",
            f"Non-trainable params: {self.total_params - self.trainable_params:,}",
        ]

    def _repr_html_(self):
        from html import escape

        header, body = self._lines()
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in body)
        totals = "<br>".join(self._totals())
        return (
            f"<p>Input shape: {self.input_shape}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{totals}</p>"
        )


def summary(model, input_shape):
    """Tabulate the layers of ``model`` with their output shapes and parameter counts.

    Forward hooks record every layer call while the model runs once on a meta
    tensor of shape (1, *input_shape): the parameters are swapped for meta
    copies, so nothing is computed, the real weights are untouched, and even
    VGG19 takes milliseconds. Every module call gives one row except the pure
    containers (Sequential, ModuleList, ModuleDict) and the model itself; a
    block such as :class:`ResidualBlock` gets its own row after its layers
    (its output is after the addition) with only its own parameters (0), so
    that the rows add up to the total.

    Parameters
    ----------
    model : torch.nn.Module
    input_shape : tuple of int
        Shape of one input without the batch axis, e.g. (1, 32, 32) for LeNet-5.

    Returns
    -------
    ModelSummary

    Examples
    --------
    >>> table = summary(lenet5(), (1, 32, 32))
    >>> table.rows[0]
    SummaryRow(name='features.0', layer='Conv2d', output_shape=(6, 28, 28), params=156)
    >>> table.output_shape, table.total_params
    ((10,), 61706)
    """
    _check_module(model)
    input_shape = _check_shape(input_shape)
    rows, entered = [], []
    layers = [(name, module) for name, module in model.named_modules() if name and not isinstance(module, _CONTAINERS)]
    handles = [module.register_forward_hook(_recorder(name, rows)) for name, module in layers]
    handles += [module.register_forward_pre_hook(_entry(name, entered)) for name, module in layers]
    tensors = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    meta = {name: torch.empty_like(t, device="meta") for name, t in tensors.items()}
    modes = {module: module.training for module in model.modules()}
    model.eval()  # batch statistics of a single meta sample are meaningless anyway
    try:
        with torch.no_grad():
            out = torch.func.functional_call(model, meta, (torch.empty(1, *input_shape, device="meta"),))
    except RuntimeError as err:  # e.g. a Linear sized for another input: name the layer, not torch's matmul
        if not entered:
            raise
        name, module, shape = entered[-1]
        raise ValueError(f"the model cannot take an input of shape {input_shape}: layer {name} ({module}) gets an "
                         f"input of shape {shape[1:]} (without the batch axis) and fails: {err}") from None
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes.items():
            module.training = training
    total, trainable = count_params(model, trainable_only=False), count_params(model)
    return ModelSummary(tuple(rows), input_shape, tuple(out.shape[1:]), total, trainable)


_CONTAINERS = (nn.Sequential, nn.ModuleList, nn.ModuleDict)


def _recorder(name, rows):
    """A forward hook that appends the layer's row to ``rows``."""

    def hook(module, inputs, output):
        params = sum(p.numel() for p in module.parameters(recurse=False))
        rows.append(SummaryRow(name, type(module).__name__, tuple(output.shape[1:]), params))

    return hook


def _entry(name, entered):
    """A forward pre-hook that records ``(name, module, input shape)`` of the layer about to run."""

    def hook(module, inputs):
        shape = tuple(inputs[0].shape) if inputs and hasattr(inputs[0], "shape") else ()
        entered.append((name, module, shape))

    return hook


def _check_shape(shape):
    """Return ``shape`` as a tuple of positive ints."""
    if not isinstance(shape, (tuple, list)) or not shape:
        raise TypeError(
            "input_shape must be a tuple of ints without the batch axis, e.g. (1, 32, 32), "
            f"got {describe(shape)}"
        )
    return tuple(check_int(n, "input_shape", minimum=1) for n in shape)


def activations(model, x, names=None):
    """Run ``model`` on ``x`` and return the output of every layer: the feature maps.

    Parameters
    ----------
    model : torch.nn.Module
    x : numpy.ndarray or torch.Tensor
        A batch (N, C, H, W); NumPy input is moved to the model's device as float32.
    names : list of str, optional
        Layer names as in ``model.named_modules()`` (e.g. ``"features.0"``);
        default every layer that has no sub-layers.

    Returns
    -------
    dict
        Layer name -> output, in call order; NumPy arrays for NumPy input,
        detached tensors on the model's device for tensor input.

    Examples
    --------
    >>> maps = activations(lenet5(), np.zeros((2, 1, 32, 32)), names=["features.0", "features.3"])
    >>> {name: out.shape for name, out in maps.items()}
    {'features.0': (2, 6, 28, 28), 'features.3': (2, 16, 10, 10)}
    """
    _check_module(model)
    modules = dict(model.named_modules())
    if names is None:
        names = [name for name, module in modules.items() if name and not any(module.children())]
    for name in names:
        check_choice(name, "names", tuple(n for n in modules if n))
    outputs = {}

    def keep(name):
        return lambda module, inputs, output: outputs.__setitem__(name, output.detach())

    handles = [modules[name].register_forward_hook(keep(name)) for name in names]
    try:
        with torch.no_grad():
            model(_as_batch(model, x))
    finally:
        for handle in handles:
            handle.remove()
    as_numpy = not isinstance(x, torch.Tensor)
    return {name: out.cpu().numpy() if as_numpy else out for name, out in outputs.items()}


def _as_batch(model, x):
    """``x`` as a float tensor on the device of the model's first parameter."""
    device = next(model.parameters(), torch.empty(0)).device
    if isinstance(x, torch.Tensor):
        return x.to(device)
    return torch.as_tensor(np.asarray(x, dtype=np.float32), device=device)
