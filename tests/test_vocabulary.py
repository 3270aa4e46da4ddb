"""One signature for the family, and the table of names checked against NumPy, SciPy and torch."""

import importlib
import inspect
import re

import numpy as np
import pytest

import cnnlab
from cnnlab.vocabulary import SIGNATURES, UPSTREAM_NAMES


def _parameters(func):
    names = []
    for parameter in inspect.signature(func).parameters.values():
        if parameter.kind is parameter.KEYWORD_ONLY and "*" not in names:
            names.append("*")
        names.append(parameter.name)
    return tuple(names)


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_every_function_of_the_family_has_the_one_signature(name):
    assert _parameters(getattr(cnnlab, name)) == SIGNATURES[name]


def _upstream(dotted):
    module, _, attr = dotted.rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _upstream_parameters(func):
    try:
        return list(inspect.signature(func).parameters)
    except (TypeError, ValueError):  # a torch builtin: its signature is the first line of its docstring
        first = func.__doc__.strip().splitlines()[0]
        inside = re.search(r"\((.*)\)", first).group(1)
        return [part.split("=")[0].strip() for part in inside.split(",")]


CASES = [(ours, dotted, theirs) for ours, table in UPSTREAM_NAMES.items() for dotted, theirs in table.items()]


@pytest.mark.parametrize("ours, dotted, theirs", CASES, ids=[f"{o}-{d}" for o, d, _ in CASES])
def test_the_names_table_matches_the_installed_libraries(ours, dotted, theirs):
    pytest.importorskip(dotted.split(".")[0])
    func = _upstream(dotted)
    if dotted == "torch.nn.functional.max_pool2d":  # a boolean dispatcher: read the function it wraps
        func = importlib.import_module("torch.nn.functional")._max_pool2d
    target = func.__init__ if inspect.isclass(func) else func
    assert theirs in _upstream_parameters(target), f"{dotted} has no argument {theirs!r}"


@pytest.mark.parametrize("call, old, new", [
    (lambda: cnnlab.correlate2d(np.ones((3, 3)), np.ones((2, 2)), boundary="wrap"), "boundary", "padding_mode"),
    (lambda: cnnlab.convolve2d(np.ones((3, 3)), np.ones((2, 2)), boundary="fill"), "boundary", "padding_mode"),
    (lambda: cnnlab.pad2d(np.ones((3, 3)), 1, mode="reflect"), "mode", "padding_mode"),
    (lambda: cnnlab.gradient_magnitude(np.ones((3, 3)), boundary="zeros"), "boundary", "padding_mode"),
])
def test_an_old_name_raises_a_type_error_that_names_the_new_one(call, old, new):
    with pytest.raises(TypeError, match=f"no argument '{old}' any more: it is called '{new}' now"):
        call()


def test_options_after_the_arrays_are_keyword_only():
    x, w = np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2))
    with pytest.raises(TypeError, match="positional argument"):
        cnnlab.conv2d(x, w, None, 2)
    assert cnnlab.conv2d(x, w, None, stride=2).shape == (1, 1, 2, 2)
