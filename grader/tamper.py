"""Tamper-proof grading: the tests that count are the stored ones, and what they rely on is checked.

Student code runs in the same kernel as the tests, so anything a test uses
(``np.allclose``, ``numpy.testing``, ``cnnlab.checks``, builtins, the names a
locked cell imported) can be replaced before the test runs, and an object
whose ``__eq__`` always says yes passes ``assert answer == 9``.  Three checks,
each an nbgrader preprocessor wired in through config (:mod:`grader.config`):

:class:`CheckTampering` (sanitize step, before nbgrader's ``OverwriteCells``)
    Compares the submission with the gradebook's stored cells, outside the
    kernel: a test cell edited, deleted or turned into markdown (nbgrader
    issue #92) is flagged (``OverwriteCells`` with ``add_missing_cells``
    restores it), and the student's code is read (``ast``, never run) for
    what only tampering needs: rebinding a name the tests use, assigning into
    a module, ``setattr``/``exec``/``__import__``/``globals()``, comparison
    dunders such as ``__eq__``, frame and builtins introspection.
:class:`GuardTests` (autograde step, before execution)
    Inserts a first cell that captures pristine references before any student
    code runs (importing numpy and cnnlab with the submission's folder off
    ``sys.path``), records the names each locked cell binds, and starts every
    test cell with a check that they are all still the same objects; a
    mismatch fails the test with ``TamperingDetected``.
:class:`ReportTampering` (autograde step, after ``SaveAutoGrades``)
    Removes the guard code again (feedback never shows it), and, when any
    code tampering was found, withholds the notebook's autograded points in
    the gradebook; every finding goes into the notebook's metadata
    (``cnnlab.tamper``), from where the grade report reads it.
"""

import ast
import builtins

from nbformat.v4 import new_code_cell
from nbgrader.preprocessors import NbGraderPreprocessor

GUARD_MARK = "# cnnlab-guard"
METADATA_KEY = "cnnlab"
TAMPER_ERROR = "TamperingDetected"
WITHHELD = "points withheld, review by hand"

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

GUARD_SETUP = '''\
def __cnnlab_guard_setup(protected, namespace):
    import builtins, os, sys
    saved = list(sys.path)
    sys.path[:] = [p for p in sys.path if p not in ("", ".") and os.path.realpath(p) != os.getcwd()]
    import numpy, numpy.testing, cnnlab.checks  # the installed ones, not files of the submission
    sys.path[:] = saved
    modules = {"builtins": builtins, "numpy": numpy, "numpy.testing": numpy.testing, "cnnlab.checks": cnnlab.checks}
    pristine = {name: dict(vars(module)) for name, module in modules.items()}
    volatile = ("_", "__", "___", "input")  # set by IPython's display hook, swapped by ipykernel per request
    pristine["builtins"] = {k: v for k, v in pristine["builtins"].items() if k not in volatile}
    in_sys, names, builtin = dict(sys.modules), {}, pristine["builtins"]
    builtins_used = {n: namespace.get(n, builtin[n]) for n in protected if n in builtin}
    missing, is_same, sorted_, vars_ = object(), (lambda a, b: a is b), sorted, vars

    class TamperingDetected(Exception):
        """What a test relies on was replaced by code of the submission."""

    class Guard:
        def remember(self, namespace, wanted):
            names.update({name: namespace[name] for name in wanted if name in namespace})

        def __call__(self, namespace):
            changed = [f"sys.modules[{n!r}]" for n, m in modules.items() if not is_same(in_sys.get(n), m)]
            for name, module in modules.items():
                now = vars_(module)
                changed += [f"{name}.{a}" for a, v in pristine[name].items() if not is_same(now.get(a, missing), v)]
            changed += [n for n, v in names.items() if not is_same(namespace.get(n, missing), v)]
            changed += [n for n, v in builtins_used.items()
                        if n in namespace and n not in names and not is_same(namespace[n], v)]
            if changed:
                raise TamperingDetected("replaced before this test ran: " + ", ".join(sorted_(changed)[:8]))

    return Guard()
'''


def _code(cell):
    return cell.cell_type == "code"


def _nbgrader(cell):
    return cell.metadata.get("nbgrader", {})


def _is_student_cell(cell):
    meta = _nbgrader(cell)
    return _code(cell) and (meta.get("solution", False) or not meta.get("grade_id"))


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


def _stored_cells(resources):
    """The gradebook's copy of this notebook: ``(source cells by id, ids of grade cells)``."""
    from nbgrader.api import Gradebook

    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_notebook(info["notebook"], info["assignment"])
        cells = {c.name: (c.cell_type, c.source, c.locked, c.checksum) for c in notebook.source_cells}
        return cells, {c.name for c in notebook.grade_cells}


def _released_source(source):
    """What the student was given of a stored cell: its source without hidden-test regions."""
    from nbformat.v4 import new_code_cell
    from nbgrader.preprocessors import ClearHiddenTests

    cell = new_code_cell(source)
    ClearHiddenTests()._remove_hidden_test_region(cell)
    return cell.source


def _same_source(submitted, stored):
    return submitted.strip() in (stored.strip(), _released_source(stored).strip())


def structure_findings(nb, stored, grade_ids):
    """Test and locked cells of the submission ``nb`` that differ from the stored copies, in words."""
    present = {_nbgrader(c).get("grade_id"): c for c in nb.cells if _nbgrader(c).get("grade_id")}
    found = []
    for name, (cell_type, source, locked, _) in stored.items():
        what = "test cell" if name in grade_ids and cell_type == "code" else "locked cell" if locked else "answer cell"
        cell = present.get(name)
        if cell is None and (locked or name in grade_ids):
            found.append(f"{what} {name} was deleted (graded from the stored copy)")
        elif cell is not None and cell.cell_type != cell_type:
            found.append(f"{what} {name} was turned into {cell.cell_type} (graded from the stored copy)")
        elif cell is not None and locked and not _same_source(cell.source, source):
            found.append(f"{what} {name} was edited (graded from the stored copy)")
    return found


class CheckTampering(NbGraderPreprocessor):
    """Flag edited, deleted or retyped test cells and tampering code, before nbgrader restores the cells."""

    def preprocess(self, nb, resources):
        """Record the findings in ``nb.metadata.cnnlab.tamper`` (structure) and ``.code`` (student code)."""
        stored, grade_ids = _stored_cells(resources)
        locked = [src for name, (kind, src, is_locked, _) in stored.items()
                  if kind == "code" and is_locked and name not in grade_ids]
        tests = [src for name, (kind, src, _, _) in stored.items() if kind == "code" and name in grade_ids]
        protected = protected_names(locked, tests)
        aliases = {}
        for source in locked:
            aliases.update(module_aliases(source))
        code = []
        for index, cell in enumerate(nb.cells):
            if _is_student_cell(cell):
                label = _nbgrader(cell).get("grade_id") or f"{index} (added by the student)"
                code += [f"cell {label} {finding}" for finding in scan_source(cell.source, protected, aliases)]
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        meta["tamper"] = structure_findings(nb, stored, grade_ids)
        meta["code"] = code
        meta["protected"] = sorted(protected)
        return nb, resources


class GuardTests(NbGraderPreprocessor):
    """Capture pristine references before student code runs; check them at the top of every test cell."""

    def preprocess(self, nb, resources):
        """Insert the guard cell, the ``remember`` calls after locked cells and the checks in test cells."""
        protected = nb.metadata.get(METADATA_KEY, {}).get("protected", [])
        setup = (f"{GUARD_SETUP}__cnnlab_guard__ = __cnnlab_guard_setup({protected!r}, globals())\n"
                 "del __cnnlab_guard_setup")
        for cell in nb.cells:
            meta = _nbgrader(cell)
            if not _code(cell) or _is_student_cell(cell):
                continue
            if meta.get("grade"):
                cell.source = f"__cnnlab_guard__(globals())  {GUARD_MARK}\n{cell.source}"
            elif meta.get("locked"):
                names = sorted(bound_names(cell.source) & set(protected))
                if names:
                    cell.source = f"{cell.source}\n__cnnlab_guard__.remember(globals(), {names!r})  {GUARD_MARK}"
        guard = new_code_cell(setup, metadata={METADATA_KEY: {"guard": True}})
        nb.cells.insert(0, guard)
        return nb, resources


class ReportTampering(NbGraderPreprocessor):
    """Remove the guard, collect what it caught, withhold the points of a tampering notebook."""

    def preprocess(self, nb, resources):
        """Strip guard code, note ``TamperingDetected`` failures, zero the autograded scores if tampered."""
        nb.cells = [c for c in nb.cells if not c.metadata.get(METADATA_KEY, {}).get("guard")]
        caught = []
        for cell in nb.cells:
            if _code(cell) and GUARD_MARK in cell.source:
                cell.source = "\n".join(line for line in cell.source.split("\n") if GUARD_MARK not in line)
            for output in cell.get("outputs", []):
                if output.get("ename") == TAMPER_ERROR:
                    caught.append(f"test cell {_nbgrader(cell).get('grade_id')}: {output.get('evalue')}")
        meta = nb.metadata.setdefault(METADATA_KEY, {})
        code = meta.get("code", []) + caught
        notes = [f"tampering: {finding}" for finding in meta.get("tamper", [])]
        notes += [f"tampering: {finding} ({WITHHELD})" for finding in code]
        meta["notes"] = notes
        if code:
            withhold_points(resources)
        return nb, resources


def withhold_points(resources):
    """Set the autograded scores of this submission's notebook to zero in the gradebook."""
    from nbgrader.api import Gradebook

    info = resources["nbgrader"]
    with Gradebook(info["db_url"]) as gb:
        notebook = gb.find_submission_notebook(info["notebook"], info["assignment"], info["student"])
        for grade in notebook.grades:
            if grade.auto_score is not None:
                grade.auto_score = 0.0
        gb.db.commit()


def tamper_notes(nb):
    """The tampering notes :class:`ReportTampering` left in an autograded notebook.

    Examples
    --------
    >>> import nbformat
    >>> tamper_notes(nbformat.v4.new_notebook(metadata={"cnnlab": {"notes": ["tampering: x"]}}))
    ['tampering: x']
    """
    return list(nb.metadata.get(METADATA_KEY, {}).get("notes", []))
