"""Reject a solution that calls a library's implementation instead of implementing it.

:func:`forbid_calls` is re-exported by :mod:`cnnlab.checks`, where the notebooks call it.
"""

import sys
from importlib import import_module
from types import ModuleType

from ._failure import CheckFailed


def forbid_calls(func, forbidden, *, args=None, kwargs=None):
    """Reject a solution that calls a library implementation instead of implementing it.

    Two looks: the code of ``func`` (and of functions nested in it) is
    inspected for names that resolve, through its globals, closures and
    modules, to a forbidden function; and, when ``args`` is given, ``func`` is
    called with a profiler that catches forbidden calls made indirectly.

    Parameters
    ----------
    func : callable
        The student's function.
    forbidden : list of callable or str
        The functions it may not use, as objects or dotted names such as
        ``"scipy.signal.correlate2d"`` or ``"torch.nn.functional.conv2d"``.
    args, kwargs : tuple, dict, optional
        When given, call ``func(*args, **kwargs)`` under watch.

    Returns
    -------
    object
        ``func(*args, **kwargs)`` when ``args`` is given, else ``None``.

    Examples
    --------
    >>> from scipy.signal import correlate2d
    >>> def my_correlate(x, w):
    ...     return correlate2d(x, w, mode="valid")
    >>> forbid_calls(my_correlate, ["scipy.signal.correlate2d"])
    Traceback (most recent call last):
    ...
    cnnlab.checks.CheckFailed: my_correlate calls scipy.signal.correlate2d: this exercise asks you to implement the operation yourself (loops or NumPy), not to call a library's version of it.
    >>> forbid_calls(lambda x: x * 2, ["scipy.signal.correlate2d"], args=(3,))
    6
    """
    targets = _resolve_all(forbidden)
    found = _static_uses(func, targets)
    if found:
        raise CheckFailed(_forbidden_message(func, found))
    if args is None:
        return None
    return _call_watched(func, targets, tuple(args), dict(kwargs or {}))


def _forbidden_message(func, name):
    label = getattr(func, "__name__", "your function")
    return (f"{label} calls {name}: this exercise asks you to implement the operation yourself "
            "(loops or NumPy), not to call a library's version of it.")


def _resolve_all(forbidden):
    targets = {}
    for item in forbidden:
        if isinstance(item, str):
            targets[item] = _resolve(item)
        else:
            targets[f"{getattr(item, '__module__', '?')}.{getattr(item, '__qualname__', item)}"] = item
    return targets


def _resolve(dotted):
    module_name, _, attr = dotted.rpartition(".")
    if module_name.split(".")[0] not in sys.modules:
        return None  # never imported, so it cannot have been called; matched by name below
    try:
        return getattr(import_module(module_name), attr)
    except (ImportError, AttributeError):
        return None


def _matches(obj, targets):
    for name, target in targets.items():
        if target is not None and obj is target:
            return name
        code = getattr(obj, "__code__", None)
        if target is not None and code is not None and code is getattr(target, "__code__", False):
            return name
    return None


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            yield from _code_objects(const)


def _static_uses(func, targets):
    func = getattr(func, "__func__", func)
    code = getattr(func, "__code__", None)
    if code is None:
        return _matches(func, targets)
    names = {n for c in _code_objects(code) for n in (*c.co_names, *c.co_freevars)}
    scope = dict(getattr(func, "__globals__", {}))
    for cell_name, cell in zip(code.co_freevars, func.__closure__ or ()):
        try:
            scope[cell_name] = cell.cell_contents
        except ValueError:
            continue
    roots = [scope[n] for n in names if n in scope]
    return _search(roots, names, targets, depth=3)


def _search(roots, names, targets, depth):
    """Follow attribute chains spelled by ``names`` (``signal.correlate2d``) from ``roots`` through modules."""
    level, seen = list(roots), set()
    for _ in range(depth + 1):
        found = next(filter(None, (_matches(obj, targets) for obj in level)), None)
        if found:
            return found
        modules = [obj for obj in level if isinstance(obj, ModuleType) and id(obj) not in seen]
        seen.update(id(module) for module in modules)
        level = [getattr(module, n) for module in modules for n in names if hasattr(module, n)]
    return None


def _call_watched(func, targets, args, kwargs):
    codes = {id(getattr(t, "__code__", None)): n for n, t in targets.items() if hasattr(t, "__code__")}
    builtins = {id(t): n for n, t in targets.items() if t is not None and not hasattr(t, "__code__")}
    by_name = {n for n, t in targets.items() if t is None}
    hit = []

    def profile(frame, event, arg):
        if hit:
            return
        if event == "call":
            qualified = f"{frame.f_globals.get('__name__')}.{frame.f_code.co_name}"
            name = codes.get(id(frame.f_code)) or (qualified if qualified in by_name else None)
        elif event == "c_call":
            name = builtins.get(id(arg))
        else:
            return
        if name:
            hit.append(name)

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = func(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if hit:
        raise CheckFailed(_forbidden_message(func, hit[0]))
    return result
