"""Looking inside a torch model: how many parameters, which shape after each layer, which feature maps.

:func:`count_params` and :func:`summary` give the parameter tables of
notebooks 05 and 10 (the same Keras look as :func:`cnnlab.stacks.summary`);
:func:`activations` returns the feature maps of notebook 09 and of the
feature-map explorer, :func:`saliency` which input pixels a class score depends on. Works on any ``torch.nn.Module``, the architectures of
:mod:`cnnlab.models` among them. Importing this module imports torch.
"""

import numpy as np
import torch
from torch import nn

from ._backend import to_numpy
from ._table import LayerTable, SummaryRow
from ._validate import check_choice, check_int, describe


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


class ModelSummary(LayerTable):
    """A Keras-style table of a torch model: one row per layer call, then the totals.

    A :class:`~cnnlab._table.LayerTable` whose rows name each module's type
    (``row.layer``, e.g. ``'Conv2d'``); shapes are PyTorch's (C, H, W) without
    the batch axis.
    """

    def preamble(self):
        """The input shape above the table."""
        return [f"Input shape: {self.input_shape}"]


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
    >>> from cnnlab.models import lenet5
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
    return ModelSummary(input_shape, rows, tuple(out.shape[1:]), total, trainable)


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
    >>> from cnnlab.models import lenet5
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
    return {name: to_numpy(out) if as_numpy else out for name, out in outputs.items()}


def saliency(model, x, target=None):
    """How strongly each input pixel moves the score of a class: ``|d score / d pixel|``.

    The saliency map of Simonyan, Vedaldi and Zisserman (2014), as CS231n
    computes it: one backward pass from the class score (before softmax) to
    the input, the absolute gradient, its largest value over the channels.
    A pixel the model cannot see has saliency zero.

    Parameters
    ----------
    model : torch.nn.Module
        Run in eval mode for this (dropout off), then put back as it was.
    x : numpy.ndarray or torch.Tensor, shape (N, C, H, W)
    target : int or sequence of int, optional
        The class of each image whose score is followed; default the predicted class.

    Returns
    -------
    (N, H, W) array: NumPy for NumPy input, a tensor on the model's device for tensor input.

    Examples
    --------
    >>> from cnnlab.models import lenet5
    >>> saliency(lenet5(), np.zeros((2, 1, 32, 32)), target=[3, 7]).shape
    (2, 32, 32)
    """
    _check_module(model)
    batch = _as_batch(model, x).detach().requires_grad_(True)
    training = model.training
    model.eval()
    try:
        with torch.enable_grad():
            scores = model(batch)
            chosen = scores.argmax(dim=1) if target is None else torch.as_tensor(
                np.array(np.broadcast_to(target, (len(batch),))), device=scores.device)
            (grad,) = torch.autograd.grad(scores.gather(1, chosen.reshape(-1, 1)).sum(), batch)
    finally:
        model.train(training)
    out = grad.abs().amax(dim=1)
    return out if isinstance(x, torch.Tensor) else to_numpy(out)


def _as_batch(model, x):
    """``x`` as a float tensor on the device of the model's first parameter."""
    device = next(model.parameters(), torch.empty(0)).device
    if isinstance(x, torch.Tensor):
        return x.to(device)
    return torch.as_tensor(np.asarray(x, dtype=np.float32), device=device)


__all__ = ["count_params", "summary", "ModelSummary", "SummaryRow", "activations", "saliency"]
