"""Train and evaluate a classifier: ``fit``, ``evaluate``, ``predict`` and ``confusion_matrix``.

Data are ``(x, y)`` pairs: images (N, C, H, W) as NumPy arrays or tensors and
integer labels (N,), e.g. ``load_digits().train``. ``device="auto"`` picks
CUDA when a GPU is present and the CPU otherwise (a laptop, CI).
The same seed gives the same training run (same shuffling, same dropout).
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from ._backend import import_torch, is_tensor, resolve_device, to_numpy
from ._validate import as_float_array, check_choice, check_finite, check_int, describe

OPTIMIZERS = ("sgd", "adam")


@dataclass(repr=False)
class History:
    """What :func:`fit` measured, one entry per epoch.

    ``loss`` and ``accuracy`` are the training mean loss and accuracy during
    each epoch; ``val_accuracy`` is filled when ``val_data`` is given.
    """

    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    val_accuracy: list = field(default_factory=list)
    device: str = "cpu"

    def __repr__(self):
        if not self.loss:
            return f"History(epochs=0, device={self.device!r})"
        val = f", val_accuracy={self.val_accuracy[-1]:.4f}" if self.val_accuracy else ""
        return (
            f"History(epochs={len(self.loss)}, loss={self.loss[-1]:.4f}, "
            f"accuracy={self.accuracy[-1]:.4f}{val}, device={self.device!r})"
        )


class Evaluation(NamedTuple):
    """Result of :func:`evaluate`: the accuracy in [0, 1] and the predicted labels (NumPy)."""

    accuracy: float
    predictions: np.ndarray


def fit(model, train_data, epochs=20, lr=0.02, batch_size=32, device="auto", progress=True, seed=0,
        optimizer="sgd", val_data=None, num_threads=1):  # fmt: skip
    """Train ``model`` with cross-entropy loss and mini-batches; return the :class:`History`.

    Each epoch shuffles the training data, then for each batch: forward,
    loss, backward, one optimizer step (SGD with momentum 0.9,
    ``v <- 0.9 v + grad`` and ``w <- w - lr * v``, or Adam). The model is moved to ``device`` in place and left in training mode.
    The defaults train :func:`cnnlab.models.lenet5` on
    :func:`cnnlab.datasets.load_digits` to about 98% test accuracy in seconds.

    Parameters
    ----------
    model : torch.nn.Module
        Maps a batch (N, C, H, W) to class scores (N, num_classes).
    train_data : tuple (x, y)
        Images (N, C, H, W) and integer labels (N,), NumPy arrays or tensors.
    epochs, batch_size : int
    lr : float
        Learning rate.
    device : {'auto', 'cpu', 'cuda'} or torch.device
        ``'auto'`` picks CUDA when present.
    progress : bool
        Show a tqdm progress bar (a widget in notebooks) with the loss and accuracy.
    seed : int
        Seeds the shuffling and dropout; the global torch RNG is restored afterwards.
    optimizer : {'sgd', 'adam'}
        SGD with momentum 0.9, or Adam (use a smaller ``lr`` such as 1e-3).
    val_data : tuple (x, y), optional
        Evaluated after every epoch into ``History.val_accuracy``.
    num_threads : int or None
        CPU threads torch may use while training on the CPU (restored
        afterwards). Small models train fastest with 1: with more, every tiny
        operation waits for all threads, which is many times slower when the
        cores are shared. None keeps torch's setting.

    Returns
    -------
    History

    Examples
    --------
    >>> import torch
    >>> x = np.random.default_rng(0).normal(size=(64, 1, 4, 4)).astype(np.float32)
    >>> y = (x.mean(axis=(1, 2, 3)) > 0).astype(np.int64)
    >>> torch.manual_seed(0) and None
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
    >>> history = fit(model, (x, y), epochs=30, lr=0.05, device="cpu", progress=False)
    >>> history.accuracy[-1] > 0.9
    True
    """
    torch = import_torch()
    device = _device(device)
    _check_model(model)
    x, y = _as_tensors(train_data, "train_data")
    val = None if val_data is None else _as_tensors(val_data, "val_data")
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    lr = _check_positive(lr, "lr")
    check_choice(optimizer, "optimizer", OPTIMIZERS)
    model.to(device)
    step = _make_optimizer(optimizer, model, lr)
    devices = [device.index or 0] if device.type == "cuda" else []
    threads = num_threads if device.type == "cpu" else None
    with _cpu_threads(threads), torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        shuffler = torch.Generator().manual_seed(seed)
        return _run_epochs(model, (x.to(device), y.to(device)), val, epochs, batch_size, step, shuffler, progress)


def _run_epochs(model, train, val, epochs, batch_size, optimizer, shuffler, progress):
    """Train for ``epochs`` epochs, recording the history and updating the progress bar."""
    from tqdm.auto import tqdm

    history = History(device=str(train[0].device))
    bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in bar:
        loss, accuracy = _train_epoch(model, *train, batch_size, optimizer, shuffler)
        history.loss.append(loss)
        history.accuracy.append(accuracy)
        if val is not None:
            history.val_accuracy.append(evaluate(model, val, train[0].device).accuracy)
            model.train()
        bar.set_postfix(_postfix(history))
    return history


@contextmanager
def _cpu_threads(n):
    """Let torch use ``n`` CPU threads inside the block (None: leave the setting alone)."""
    torch = import_torch()
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(check_int(n, "num_threads", minimum=1))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _train_epoch(model, x, y, batch_size, optimizer, shuffler):
    """One pass over shuffled mini-batches; return the mean loss and the accuracy."""
    torch = import_torch()
    model.train()
    order = torch.randperm(len(x), generator=shuffler).to(x.device)
    total_loss, correct = 0.0, 0
    for batch in order.split(batch_size):
        scores = model(x[batch])
        loss = torch.nn.functional.cross_entropy(scores, y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * len(batch)
        correct += (scores.argmax(dim=1) == y[batch]).sum().item()
    return total_loss / len(x), correct / len(x)


def _make_optimizer(name, model, lr):
    """SGD with momentum 0.9, or Adam, over all parameters of ``model``."""
    torch = import_torch()
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=lr)
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def _postfix(history):
    """The last epoch's numbers for the progress bar."""
    values = {"loss": f"{history.loss[-1]:.4f}", "acc": f"{history.accuracy[-1]:.4f}"}
    if history.val_accuracy:
        values["val_acc"] = f"{history.val_accuracy[-1]:.4f}"
    return values


def predict(model, x, device="auto", batch_size=256):
    """Return the predicted class (arg-max of the scores) for every image in ``x``.

    Parameters
    ----------
    model : torch.nn.Module
    x : numpy.ndarray or torch.Tensor
        Images (N, C, H, W).
    device : {'auto', 'cpu', 'cuda'} or torch.device
        Where the model runs; it is moved there in place and put in eval mode.
    batch_size : int

    Returns
    -------
    numpy.ndarray or torch.Tensor
        int64 labels (N,): NumPy for NumPy input, a tensor on ``x``'s device for tensor input.

    Examples
    --------
    >>> import torch
    >>> model = torch.nn.Flatten()  # scores = the pixels themselves
    >>> predict(model, np.array([[[[0.0, 2.0, 1.0]]], [[[5.0, 0.0, 1.0]]]]), device="cpu")
    array([1, 0])
    """
    torch = import_torch()
    device = _device(device)
    _check_model(model)
    images = _as_images(x, "x")
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    model.to(device).eval()
    with torch.no_grad():
        labels = torch.cat([model(b.to(device)).argmax(dim=1) for b in images.split(batch_size)])
    return labels.to(x.device) if is_tensor(x) else to_numpy(labels)


def evaluate(model, data, device="auto", batch_size=256):
    """Return the accuracy of ``model`` on ``data = (x, y)`` and its predictions.

    Returns
    -------
    Evaluation
        ``(accuracy, predictions)``: a float in [0, 1] and int64 labels (N,) as NumPy.

    Examples
    --------
    >>> import torch
    >>> x = np.array([[[[0.0, 2.0]]], [[[5.0, 0.0]]], [[[1.0, 3.0]]]])
    >>> evaluate(torch.nn.Flatten(), (x, np.array([1, 0, 0])), device="cpu")
    Evaluation(accuracy=0.666..., predictions=array([1, 0, 1]))
    """
    x, y = _as_tensors(data, "data")
    predictions = np.asarray(predict(model, x, device, batch_size).cpu())
    return Evaluation(float((predictions == to_numpy(y)).mean()), predictions)


def confusion_matrix(y_true, y_pred, n_classes):
    """Count how often class ``i`` (row) was predicted as class ``j`` (column).

    Parameters
    ----------
    y_true, y_pred : array_like of int
        Labels (N,) in ``[0, n_classes)``; NumPy arrays, tensors or lists.
    n_classes : int

    Returns
    -------
    numpy.ndarray
        int64 (n_classes, n_classes); the diagonal holds the correct predictions.

    Examples
    --------
    >>> confusion_matrix([0, 1, 1, 2], [0, 2, 1, 2], n_classes=3)
    array([[1, 0, 0],
           [0, 1, 1],
           [0, 0, 1]])
    """
    n_classes = check_int(n_classes, "n_classes", minimum=1)
    y_true = _as_labels(y_true, "y_true", n_classes)
    y_pred = _as_labels(y_pred, "y_pred", n_classes)
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}"
        )
    counts = np.bincount(y_true * n_classes + y_pred, minlength=n_classes * n_classes)
    return counts.reshape(n_classes, n_classes)


def _as_labels(labels, name, n_classes=None):
    """Return ``labels`` as a 1-D int64 NumPy array of values in ``[0, n_classes)``."""
    array = np.asarray(labels.cpu() if is_tensor(labels) else labels)
    if array.ndim != 1 or array.dtype.kind not in "iu":
        raise TypeError(f"{name} must be a 1-D array of integer class labels, got {describe(array)}")
    upper = "" if n_classes is None else f" and < n_classes={n_classes}"
    if len(array) and (array.min() < 0 or (n_classes is not None and array.max() >= n_classes)):
        raise ValueError(
            f"{name} must hold labels >= 0{upper}, got values from {array.min()} to {array.max()}"
        )
    return array.astype(np.int64)


def _as_images(x, name):
    """Return ``x`` as a finite float32 tensor with a batch axis (at least 2-D)."""
    torch = import_torch()
    x = as_float_array(x, name)
    if x.ndim < 2:
        raise ValueError(f"{name} must be a batch of images (N, C, H, W), got {describe(x)}")
    check_finite(x, name)
    return x.float() if is_tensor(x) else torch.as_tensor(x, dtype=torch.float32)


def _as_tensors(data, name):
    """Split ``data = (x, y)`` into a float32 image tensor and an int64 label tensor of equal length."""
    torch = import_torch()
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f"{name} must be a pair (x, y) of images and labels, got {describe(data)}")
    x = _as_images(data[0], f"{name}[0] (images)")
    y = torch.as_tensor(_as_labels(data[1], f"{name}[1] (labels)"))
    if len(x) != len(y):
        raise ValueError(
            f"{name} must have one label per image, got {len(x)} images and {len(y)} labels"
        )
    return x, y


def _device(device):
    """Resolve ``device`` and refuse CUDA when there is none, with a message saying what to use."""
    torch = import_torch()
    device = resolve_device(device)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={str(device)!r} was asked for, but no CUDA GPU is available: use 'auto' or 'cpu'"
        )
    if device.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda' to run a model, got {str(device)!r}")
    return device


def _check_model(model):
    """Refuse anything that is not a module, and models built on the meta device."""
    torch = import_torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {describe(model)}")
    if any(p.is_meta for p in model.parameters()):
        raise ValueError(
            "model has parameters on the meta device (shapes only): build it with device=None to train it"
        )


def _check_positive(value, name):
    """Return ``value`` as float after checking it is a number > 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a number > 0, got {describe(value)}")
    return float(value)
