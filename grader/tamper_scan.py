"""Reading a submission's code for tampering: ``ast`` only, nothing of it runs.

:func:`scan_source` lists what only tampering needs in one cell of student
code; :func:`protected_names` says which names the tests rely on. Used by
:class:`grader.tamper.CheckTampering` before the submission's cells are restored.
"""

import ast
import builtins

UNSAFE_CALLS = {"setattr", "delattr", "exec", "eval", "compile", "__import__", "globals", "vars"}
UNSAFE_IMPORTS = {"builtins", "gc", "ctypes", "importlib", "inspect"}
TRICK_DUNDERS = {"__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__bool__", "__array__",
                 "__array_ufunc__", "__array_function__", "__float__", "__int__", "__index__",
                 "__instancecheck__", "__subclasscheck__"}
INTROSPECTION = {"__builtins__", "__dict__", "__globals__", "__code__", "__closure__", "__subclasses__",
                 "f_globals", "f_locals", "f_back", "settrace", "setprofile", "_getframe"}
# assigning into these (``numpy.allclose = ...``) can only be meant to fool a test
PROTECTED_MODULES = ("numpy", "cnnlab", "builtins", "sys", "scipy", "math", "operator", "torch.testing",
                     "torch.allclose", "torch.isclose", "torch.equal", "torch.Tensor")


def _parse(source):
    """The cell's code as an ``ast`` tree (IPython magics translated), or ``None`` if it does not parse."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return ast.parse(TransformerManager().transform_cell(source))
    except (SyntaxError, ValueError):
        return None


def bound_names(source):
    """Names a cell binds in the notebook's namespace (assignments, loops, imports, definitions).

    Examples
    --------
    >>> sorted(bound_names("import numpy as np\\nfrom a import b, c as d\\nx = y = 1\\nfor i in b: pass"))
    ['b', 'd', 'i', 'np', 'x', 'y']
    >>> sorted(bound_names("def f():\\n    z = 2"))
    ['f']
    """
    tree = _parse(source)
    return _global_bindings(tree) if tree else set()


def module_aliases(source):
    """``alias -> module`` for the ``import`` statements of a cell (``np -> numpy``).

    Examples
    --------
    >>> module_aliases("import numpy as np\\nimport cnnlab.checks\\nfrom scipy import signal")
    {'np': 'numpy', 'cnnlab': 'cnnlab', 'signal': 'scipy.signal'}
    """
    tree, aliases = _parse(source), {}
    for node in ast.walk(tree) if tree else []:
        if isinstance(node, ast.Import):
            aliases.update({a.asname or a.name.split(".")[0]: a.name if a.asname else a.name.split(".")[0]
                            for a in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            aliases.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names if a.name != "*"})
    return aliases


def used_names(source):
    """Names a cell reads."""
    tree = _parse(source)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} if tree else set()


def protected_names(locked_sources, test_sources):
    """Names the tests read but never set, bound by a locked cell or builtin: the student may not rebind them.

    Examples
    --------
    >>> sorted(protected_names(["from cnnlab.checks import check_close"], ["check_close(f(1), 2)", "assert len(x)"]))
    ['check_close', 'len']
    """
    locked = set().union(set(), *map(bound_names, locked_sources))
    used = set().union(set(), *map(used_names, test_sources))
    own = set().union(set(), *map(bound_names, test_sources))
    return (used - own) & (locked | set(vars(builtins)))


def _dotted(node, aliases):
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name) and node.id in aliases:
        return ".".join([aliases[node.id], *reversed(parts)])
    return None


def scan_source(source, protected, aliases):
    """Tampering in one cell of student code, read and never run: a list of findings in words.

    Parameters
    ----------
    source : str
        The cell's code.
    protected : set of str
        Names the tests use (see :func:`protected_names`).
    aliases : dict
        ``alias -> module`` known from the locked cells (``np -> numpy``).

    Examples
    --------
    >>> scan_source("import numpy as np\\nnp.allclose = lambda *a, **k: True", set(), {})
    ['assigns to numpy.allclose']
    >>> scan_source("class A(int):\\n    def __eq__(self, other): return True", set(), {})
    ['defines or uses __eq__']
    >>> scan_source("def check_close(*a): pass", {"check_close"}, {})
    ['redefines check_close, which the tests use']
    """
    tree = _parse(source)
    if tree is None:
        return []
    aliases = {**aliases, **module_aliases(source)}
    found = [f"redefines {name}, which the tests use" for name in sorted(_global_bindings(tree) & protected)]
    for node in ast.walk(tree):
        found += _findings(node, aliases)
    return list(dict.fromkeys(found))


def _global_bindings(tree):
    """Names a cell binds in the notebook's namespace (not a function's locals; ``global`` ones included)."""
    names, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Global):
            names.update(node.names)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            todo += [n for n in ast.walk(node) if isinstance(n, ast.Global)]
            continue
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        todo += list(ast.iter_child_nodes(node))
    return names


def _findings(node, aliases):
    if isinstance(node, ast.Name):
        if node.id in TRICK_DUNDERS:
            return [f"defines or uses {node.id}"]
        if node.id in INTROSPECTION:
            return [f"uses {node.id}"]
        return ["uses the grader's guard"] if node.id.startswith("__cnnlab") else []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in UNSAFE_CALLS:
        return [f"calls {node.func.id}()"]
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [f"defines or uses {node.name}"] if node.name in TRICK_DUNDERS else []
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        return [f"imports {b}" for b in sorted({n.split(".")[0] for n in names} & UNSAFE_IMPORTS)]
    if isinstance(node, ast.Attribute):
        return _attribute_findings(node, aliases)
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in TRICK_DUNDERS:
        return [f"defines or uses {node.value}"]
    return []


def _attribute_findings(node, aliases):
    target = _dotted(node, aliases)
    if isinstance(node.ctx, (ast.Store, ast.Del)) and target and target.startswith(PROTECTED_MODULES):
        if any(target == m or target.startswith(m + ".") for m in PROTECTED_MODULES):
            return [f"assigns to {target}"]
    if node.attr in TRICK_DUNDERS:
        return [f"defines or uses {node.attr}"]
    if target == "sys.modules":
        return ["uses sys.modules"]
    return [f"uses {node.attr}"] if node.attr in INTROSPECTION else []
