"""Shared input checks: every message names the argument, what was expected and what came in.

All public functions of cnnlab validate through these helpers, so that a
student who passes the wrong thing reads one kind of message everywhere and
never a bare ``IndexError`` from deep inside NumPy.
"""

import functools
import math
import numbers

import numpy as np

from ._backend import import_torch, is_tensor, to_numpy


def describe(value):
    """Say briefly what ``value`` is, for error messages.

    Examples
    --------
    >>> describe(np.zeros((2, 3), dtype=np.uint8))
    'a uint8 array of shape (2, 3)'
    >>> describe("abc")
    "str 'abc'"
    """
    if isinstance(value, np.ndarray) or is_tensor(value):
        kind = "tensor" if is_tensor(value) else "array"
        dtype = str(value.dtype).replace("torch.", "")
        return f"a {dtype} {kind} of shape {tuple(value.shape)}"
    if isinstance(value, str):
        return f"str {value!r}"
    return f"{type(value).__name__} {value!r}"


def as_float_array(x, name):
    """Return ``x`` as a floating-point NumPy array or tensor.

    Integer and boolean images (``uint8`` included) are converted to float64
    (float32 for tensors, torch's default) so that sums of products never
    overflow; float32 and float64 stay as they are; tensors stay tensors on
    their device. Anything that is not numeric raises a ``TypeError``.

    Examples
    --------
    >>> as_float_array(np.array([250, 10], dtype=np.uint8), "x") * 2
    array([500.,  20.])
    >>> as_float_array("abc", "x")
    Traceback (most recent call last):
    ...
    TypeError: x must be a numeric array (NumPy array, torch.Tensor or nested list of numbers), got str 'abc'
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and x.dtype.itemsize >= 4:
        return x  # the common case, answered before the general checks below
    if is_tensor(x):
        if x.is_floating_point():
            return x
        if x.is_complex():
            raise TypeError(f"{name} must be a real-valued tensor, got {describe(x)}")
        import torch

        return x.to(torch.get_default_dtype())
    expected = "a numeric array (NumPy array, torch.Tensor or nested list of numbers)"
    if isinstance(x, (str, bytes, dict, set)) or x is None:
        raise TypeError(f"{name} must be {expected}, got {describe(x)}")
    try:
        array = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise TypeError(f"{name} must be {expected}; could not convert it: {err}") from None
    if array.dtype.kind in "fc":
        if array.dtype.kind == "c":
            raise TypeError(f"{name} must be real-valued, got {describe(array)}")
        return array if array.dtype.itemsize >= 4 else array.astype(np.float32)
    if array.dtype.kind in "iub":
        return array.astype(np.float64)
    raise TypeError(f"{name} must be {expected}, got {describe(x)}")


def check_ndim(x, name, ndims, layout):
    """Raise a ``ValueError`` unless ``x.ndim`` is one of ``ndims``.

    ``layout`` spells the expected axes, e.g. ``"(H, W)"`` or ``"(N, C, H, W)"``.

    Examples
    --------
    >>> check_ndim(np.zeros((2, 2, 2)), "x", (2,), "(H, W)")
    Traceback (most recent call last):
    ...
    ValueError: x must be 2-D with shape (H, W), got a float64 array of shape (2, 2, 2)
    """
    if x.ndim not in ndims:
        dims = " or ".join(f"{n}-D" for n in ndims)
        raise ValueError(f"{name} must be {dims} with shape {layout}, got {describe(x)}")


def check_same_kind(x, **others):
    """All arrays NumPy, or all tensors on ``x``'s device.

    Examples
    --------
    >>> check_same_kind(np.zeros(2), dout=np.ones(2))
    """
    for name, other in others.items():
        if is_tensor(other) != is_tensor(x):
            raise TypeError(f"x and {name} must both be NumPy arrays or both torch tensors, "
                            f"got x as {describe(x)} and {name} as {describe(other)}")
        if is_tensor(x) and other.device != x.device:
            raise ValueError(f"x and {name} must be on the same device, "
                             f"got {x.device} and {other.device}")


def check_finite(x, name):
    """Raise a ``ValueError`` if ``x`` holds NaN or infinity.

    Examples
    --------
    >>> check_finite(np.array([1.0, np.nan]), "w")
    Traceback (most recent call last):
    ...
    ValueError: w must hold finite numbers, got NaN or inf in a float64 array of shape (2,)
    """
    if type(x) is np.ndarray and x.dtype.kind == "f" and math.isfinite(np.add.reduce(x, axis=None)):
        return  # a finite sum means no NaN and no inf: one pass, no temporary (overflow checks below)
    finite = x.isfinite().all() if is_tensor(x) else np.isfinite(x).all()
    if not bool(finite):
        raise ValueError(f"{name} must hold finite numbers, got NaN or inf in {describe(x)}")


def check_int(value, name, minimum=None):
    """Return ``value`` as an ``int`` after checking it is an integer ``>= minimum``.

    Booleans and floats such as ``2.5`` are rejected; ``2.0`` is rejected too,
    because sizes and strides are counts.

    Examples
    --------
    >>> check_int(2, "stride", minimum=1)
    2
    >>> check_int(0, "stride", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: stride must be an integer >= 1, got 0
    """
    if type(value) is int and (minimum is None or value >= minimum):
        return value  # the common case; bool is no int here (type(True) is bool)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        bound = "" if minimum is None else f" >= {minimum}"
        raise TypeError(f"{name} must be an integer{bound}, got {describe(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    return int(value)


def check_pair(value, name, minimum=None):
    """Return ``(a, b)`` from an int or a pair of ints, each checked with :func:`check_int`.

    Examples
    --------
    >>> check_pair(2, "stride", minimum=1)
    (2, 2)
    >>> check_pair((1, 3), "kernel_size", minimum=1)
    (1, 3)
    """
    if type(value) is int and (minimum is None or value >= minimum):
        return (value, value)  # the common case, as check_int would answer it
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (height, width), got {describe(value)}")
        return (check_int(value[0], name, minimum), check_int(value[1], name, minimum))
    number = check_int(value, name, minimum)
    return (number, number)


def check_choice(value, name, choices):
    """Return ``value`` if it is one of ``choices``, else raise a ``ValueError`` listing them.

    Examples
    --------
    >>> check_choice("vald", "mode", ("valid", "same", "full"))
    Traceback (most recent call last):
    ...
    ValueError: mode must be one of 'valid', 'same', 'full', got 'vald'
    """
    if not isinstance(value, str) or value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}")
    return value


def as_like(value, x, name):
    """``value`` as a finite array of the same kind (NumPy or tensor, dtype, device) as ``x``."""
    if type(value) is np.ndarray and type(x) is np.ndarray and value.dtype == x.dtype:
        check_finite(value, name)  # the common case: nothing to convert
        return value
    if is_tensor(x):
        torch = import_torch()
        if not is_tensor(value):
            value = torch.as_tensor(as_float_array(value, name))
        value = value.to(device=x.device, dtype=x.dtype)
    else:
        value = as_float_array(to_numpy(value), name).astype(x.dtype, copy=False)
    check_finite(value, name)
    return value


def check_kernel_fits(padded_shape, kernel_shape, dilation):
    """The (dilated) kernel must fit inside the padded input at least once."""
    (kh, kw), (dh, dw) = kernel_shape[-2:], dilation
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    height, width = padded_shape[-2:]
    if span_h > height or span_w > width:
        dilated = f" ({span_h}x{span_w} with dilation {dilation})" if (dh, dw) != (1, 1) else ""
        raise ValueError(f"w's kernel of size {kh}x{kw}{dilated} is larger than the padded "
                         f"input of size {height}x{width}: pad more or use a smaller kernel")


def layer_arrays(x, w, b, x_layout, w_layout):
    """``(x, w, b, single)`` for a layer call: x batched to 4-D, w and b of x's kind; ``single`` if x was 3-D.

    The layouts name the axes in the messages, e.g. ``"(N, C, H, W) or (C, H, W)"``.

    Examples
    --------
    >>> x, w, b, single = layer_arrays(np.ones((1, 3, 3)), np.ones((2, 1, 2, 2)), None,
    ...                                "(N, C, H, W) or (C, H, W)", "(K, C, kh, kw)")
    >>> x.shape, single
    ((1, 1, 3, 3), True)
    """
    x = as_float_array(x, "x")
    check_ndim(x, "x", (3, 4), x_layout)
    single = x.ndim == 3
    x = x[None] if single else x
    w = as_like(w, x, "w")
    check_ndim(w, "w", (4,), w_layout)
    b = None if b is None else as_like(b, x, "b")
    return x, w, b, single


def renamed_arguments(**renames):
    """Decorator: a call with an argument's old name raises a ``TypeError`` that names the new one.

    cnnlab is 0.x: an old name is not silently accepted, but the error says
    what to write instead.

    Examples
    --------
    >>> @renamed_arguments(boundary="padding_mode")
    ... def f(x, *, padding_mode="zeros"):
    ...     return padding_mode
    >>> f(1, boundary="wrap")
    Traceback (most recent call last):
    ...
    TypeError: f() has no argument 'boundary' any more: it is called 'padding_mode' now, as everywhere in cnnlab (write padding_mode='wrap')
    """
    def decorate(func):
        @functools.wraps(func)
        def checked(*args, **kwargs):
            if kwargs and not renames.keys().isdisjoint(kwargs):
                old = next(name for name in renames if name in kwargs)
                new = renames[old]
                raise TypeError(
                    f"{func.__name__}() has no argument {old!r} any more: it is called {new!r} now, "
                    f"as everywhere in cnnlab (write {new}={kwargs[old]!r})")
            return func(*args, **kwargs)
        return checked
    return decorate
