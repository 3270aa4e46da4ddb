"""The shape of the code: arrows one way, no import cycle, small modules, private APIs in adapters.

These tests read the source (``ast``), import nothing, and fail with the
offending modules named, so that the next change cannot quietly undo the
layering that README's developer section draws.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cnnlab", "grader")
MAX_LINES = 400

# Other libraries' private attributes that cnnlab once used, and the one module allowed to touch
# each (None: nowhere, a public API does the job now).
PRIVATE_ATTRIBUTES = {
    "_png_is_old": "cnnlab/widgets/_matplotlib_adapter.py",
    "_force_full": "cnnlab/widgets/_matplotlib_adapter.py",
    "_last_buff": "cnnlab/widgets/_matplotlib_adapter.py",
    "_data_url": "cnnlab/widgets/_ipympl_adapter.py",
    "_async_pre_start_kernel": "grader/_jupyter_client_adapter.py",
    "_async_cleanup_resources": "grader/_jupyter_client_adapter.py",
    "_remove_hidden_test_region": None,  # nbgrader's ClearHiddenTests.preprocess_cell is public
}


def _module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.name != "nbgrader_config.py":  # the course's config file, not a module
                yield path


def _imports(path):
    """Every module of PACKAGES that ``path`` imports, at the top or inside a function."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module
            targets = [module] + [f"{module}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(t for t in targets if t.split(".")[0] in PACKAGES)
    return found


@pytest.fixture(scope="module")
def graph():
    modules = {_module_name(path): path for path in _sources()}
    edges = {}
    for name, path in modules.items():
        # "from . import layers" names a module; "from .shapes import summary" names a function
        # a package is loaded before its modules anyway: an import of an ancestor is no arrow
        edges[name] = {t for t in _imports(path)
                       if t in modules and t != name and not name.startswith(t + ".")}
    return edges


def _cycle(edges):
    """One import cycle as a list of modules, or None."""
    state = {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                return trail[trail.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, trail + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for start in sorted(edges):
        if start not in state:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_the_graph_sees_the_imports_it_must_see(graph):
    # the reader of this test must find real arrows, or "no cycle" means nothing
    assert "cnnlab.shapes" in graph["cnnlab.layers"]
    assert "cnnlab.conv" in graph["cnnlab.filters"]  # an import inside a function counts
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_cnnlab_or_grader(graph):
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_private_helpers_use_nothing_public_beside_them(graph):
    """A private helper sits at the bottom of its package: it may use the layers below the
    package (``widgets._inputs`` uses ``cnnlab.datasets``) but no public module beside it."""
    def private(module):
        last = module.rpartition(".")[2]
        return last.startswith("_") and not last.startswith("__")

    wrong = {}
    for module, targets in graph.items():
        package = module.rpartition(".")[0]
        if private(module):
            public = sorted(t for t in targets
                            if t.rpartition(".")[0] == package and not private(t))
            if public:
                wrong[module] = public
    assert not wrong, f"private helpers that import public modules beside them: {wrong}"


def test_cnnlab_never_imports_grader(graph):
    wrong = sorted(m for m, targets in graph.items()
                   if m.startswith("cnnlab") and any(t.startswith("grader") for t in targets))
    assert not wrong, f"cnnlab modules that import the instructor's grader: {wrong}"


@pytest.mark.parametrize("path", list(_sources()), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_module_stays_a_few_hundred_lines(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it along a seam"


def test_other_libraries_private_attributes_only_in_their_adapter():
    wrong = []
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        text = path.read_text()
        wrong += [f"{rel} uses {name} (only {adapter} may)" for name, adapter in PRIVATE_ATTRIBUTES.items()
                  if name in text and rel != adapter]
    assert not wrong, "\n".join(wrong)
    for adapter in set(PRIVATE_ATTRIBUTES.values()) - {None}:
        assert (ROOT / adapter).is_file(), f"{adapter} is named as an adapter but does not exist"


def _readme_layers():
    """The rows of the README's picture of cnnlab, top first: ``{module: row}``."""
    text = (ROOT / "README.md").read_text().split("## For developers", 1)[1]
    block = text.split("```text\n", 1)[1].split("```", 1)[0]
    rows = {}
    for index, line in enumerate(block.strip("\n").splitlines()):
        for token in line.split("#", 1)[0].split():
            rows["cnnlab.widgets" if token == "widgets/" else f"cnnlab.{token}"] = index
    return rows


def test_readme_draws_every_cnnlab_module_and_every_arrow_points_down(graph):
    rows = _readme_layers()

    def row(module):
        return rows.get("cnnlab.widgets" if module.startswith("cnnlab.widgets") else module)

    modules = [m for m in graph if m.startswith("cnnlab.")]
    assert not [m for m in modules if row(m) is None], "modules missing from README's picture"
    wrong = [f"{a} -> {b}" for a in modules for b in graph[a]
             if b.startswith("cnnlab.") and row(a) != row(b) and row(a) > row(b)]
    wrong += [f"{a} -> {b} (same line)" for a in modules for b in graph[a]
              if b.startswith("cnnlab.") and row(a) == row(b) and not b.rpartition(".")[2].startswith("_")
              and not a.startswith("cnnlab.widgets")]
    assert not wrong, "arrows that point up or sideways in README's picture: " + ", ".join(wrong)
