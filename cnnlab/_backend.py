"""One API, two array types: which one came in, and the lazy torch import.

NumPy in gives NumPy out (the CPU reference); a ``torch.Tensor`` in gives a
tensor out on the same device (the GPU path). torch is imported only when a
tensor is actually seen or a function is asked to create tensors, so that
``import cnnlab`` stays fast for NumPy-only work.
"""

import sys


def is_tensor(x):
    """Return True when ``x`` is a ``torch.Tensor``, without importing torch.

    If torch was never imported, nothing can be a tensor yet.

    Examples
    --------
    >>> import numpy as np
    >>> is_tensor(np.zeros(3))
    False
    """
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)


def to_numpy(x):
    """``x`` as NumPy: a tensor is detached and copied to the CPU; anything else comes back as it is.

    The one place cnnlab turns a tensor into an array (for plots, checks, tables).

    Examples
    --------
    >>> import torch
    >>> to_numpy(torch.ones(2, requires_grad=True))
    array([1., 1.], dtype=float32)
    >>> to_numpy([1, 2])
    [1, 2]
    """
    return x.detach().cpu().numpy() if is_tensor(x) else x


def import_torch():
    """Import and return torch, with a message that says how to get it."""
    try:
        import torch
    except ImportError as err:  # pragma: no cover - torch is a core dependency
        raise ImportError(
            "this part of cnnlab needs PyTorch; install it with "
            "`pip install torch==2.13.0` (or run `make install`)"
        ) from err
    return torch


def resolve_device(device="auto"):
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"`` or a ``torch.device`` into a ``torch.device``.

    ``"auto"`` picks CUDA when a GPU is present and the CPU otherwise.

    Examples
    --------
    >>> resolve_device("cpu")
    device(type='cpu')
    """
    torch = import_torch()
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, got {device!r}"
        ) from err
