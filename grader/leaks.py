"""Find solution and hidden-test source where it must not be (feedback HTML, the student distribution).

One rule, :func:`appears_in`, says whether a line *appears in* a text: lines
are compared with surrounding whitespace stripped; a line of at least
``EMBEDDED_CHARS`` characters also appears inside a longer line (a traceback's
``----> 3 assert ...``), a shorter one only as a whole line (``return total``
must not match ``return total_params``).

A *secret line* is a source line inside a ``### BEGIN SOLUTION`` / ``### BEGIN
HIDDEN TESTS`` region of a solution notebook, of at least ``MIN_CHARS``
characters (``pass``, ``else:`` are too common to mean anything), that appears
in none of the public material: the solution notebooks outside those regions
and cnnlab's code.  A *leak* is a secret line that appears in a file.  Both use
the same rule, so public material never leaks: a hidden test's continuation
line ``topic="max-pool-backward")``, which appears inside a visible test's
line, is no secret.
"""

import html
import json
import re
from pathlib import Path

MIN_CHARS = 10
EMBEDDED_CHARS = 24
SECRET_MARKERS = (("BEGIN SOLUTION", "END SOLUTION"), ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"))
TEXT_SUFFIXES = {".py", ".md", ".txt", ".yml", ".yaml", ".cfg", ".toml", ".json", ".csv", ".rst", ".js", ".css"}


def notebook_lines(path):
    """``(line, region)`` for every source line of a notebook's cells; ``region`` is the region's
    start marker (``"BEGIN SOLUTION"``, ``"BEGIN HIDDEN TESTS"``) or ``None`` outside them."""
    cells = json.loads(Path(path).read_text())["cells"]
    pairs, region = [], None
    for cell in cells:
        for line in _source(cell).splitlines():
            begin = next((pair for pair in SECRET_MARKERS if pair[0] in line), None)
            if begin:
                region = begin
            elif region and region[1] in line:
                region = None
            else:
                pairs.append((line.strip(), region and region[0]))
    return pairs


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def secret_lines(solution_notebooks, public_files=(), regions=None):
    """Secret lines of ``solution_notebooks``: in a secret region, nowhere public.

    ``regions`` picks the kind of secret by its start marker (e.g.
    ``["BEGIN HIDDEN TESTS"]``); by default both kinds.  Lines of the other
    kind's regions are then neither secret nor public.

    Examples
    --------
    >>> import json, tempfile
    >>> cell = {"cell_type": "code", "source": "def f(x):\\n    ### BEGIN SOLUTION\\n    return x * 42\\n    ### END SOLUTION"}
    >>> path = Path(tempfile.mkdtemp()) / "a.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": [cell]}))
    >>> secret_lines([path])
    {'return x * 42'}
    """
    regions = {start for start, _ in SECRET_MARKERS} if regions is None else set(regions)
    secret, public = set(), set()
    for path in solution_notebooks:
        for line, region in notebook_lines(path):
            if region is None:
                public.add(line)
            elif region in regions:
                secret.add(line)
    for path in public_files:
        public.update(text_lines(path))
    public = Text(public)
    return {line for line in secret if len(line) >= MIN_CHARS and not appears_in(line, public)}


class Text:
    """The stripped lines of some material, ready for :func:`appears_in`."""

    def __init__(self, lines):
        self.lines = set(lines)
        self.joined = "\n".join(self.lines)


def appears_in(line, text):
    """True when ``line`` appears in ``text`` (a :class:`Text`): the rule of the module docstring.

    Examples
    --------
    >>> text = Text(["return total_params", '----> 3 assert out.shape == (3, 3), "wrong shape"'])
    >>> appears_in("return total", text), appears_in("return total_params", text)
    (False, True)
    >>> appears_in('assert out.shape == (3, 3), "wrong shape"', text)
    True
    """
    return line in text.lines or len(line) >= EMBEDDED_CHARS and line in text.joined


def text_lines(path):
    """The stripped lines a reader sees in a file: notebook sources and outputs, HTML without tags, text."""
    path = Path(path)
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(path.read_text(errors="replace")).get("cells", [])
        except ValueError:
            return _plain(path)
        texts = [_source(c) for c in cells]
        texts += [_output_text(o) for c in cells for o in c.get("outputs", [])]
        return {line.strip() for text in texts for line in text.splitlines()}
    if path.suffix in {".html", ".htm"}:
        visible = html.unescape(re.sub(r"<[^>]+>", "", path.read_text(errors="replace")))
        return {line.strip() for line in visible.splitlines()}
    if path.suffix in TEXT_SUFFIXES or path.name in {"README", "Makefile"}:
        return _plain(path)
    return set()


def _plain(path):
    return {line.strip() for line in Path(path).read_text(errors="replace").splitlines()}


def _output_text(output):
    parts = [output.get("text", ""), output.get("evalue", ""), *output.get("traceback", [])]
    parts += [v if isinstance(v, str) else "".join(v) for v in output.get("data", {}).values()
              if isinstance(v, (str, list))]
    return "\n".join("".join(p) if isinstance(p, list) else str(p) for p in parts)


def find_leaks(root, secrets):
    """``[(file, secret line)]`` for every secret line found in a file under ``root``."""
    leaks = []
    files = [Path(root)] if Path(root).is_file() else sorted(p for p in Path(root).rglob("*") if p.is_file())
    for path in files:
        text = Text(text_lines(path))
        leaks += [(path, secret) for secret in sorted(secrets) if appears_in(secret, text)]
    return leaks
