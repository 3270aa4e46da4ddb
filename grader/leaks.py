"""Find solution and hidden-test source where it must not be (feedback HTML, the student distribution).

A *secret line* is a source line inside a ``### BEGIN SOLUTION`` / ``### BEGIN
HIDDEN TESTS`` region of a solution notebook that appears nowhere in the
public material (the rest of the notebooks, the release notebooks, cnnlab's
code): a line such as ``return out`` that the library also contains is not a
secret.  Lines are compared with surrounding whitespace stripped; a secret of at least
``EMBEDDED_CHARS`` characters is also found inside a longer line (a traceback's
``----> 3 assert ...``), a shorter one only as a whole line (``return total``
must not match ``return total_params``); lines shorter than ``MIN_CHARS``
(``pass``, ``else:``) are too common to mean anything.
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
    """``(line, in_secret_region)`` for every source line of a notebook's cells."""
    cells = json.loads(Path(path).read_text())["cells"]
    pairs, region = [], None
    for cell in cells:
        for line in _source(cell).splitlines():
            begin = next((end for start, end in SECRET_MARKERS if start in line), None)
            if begin:
                region = begin
            elif region and region in line:
                region = None
            else:
                pairs.append((line.strip(), region is not None))
    return pairs


def _source(cell):
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def secret_lines(solution_notebooks, public_files=()):
    """Secret lines of ``solution_notebooks``: in a secret region, nowhere public.

    Examples
    --------
    >>> import json, tempfile
    >>> cell = {"cell_type": "code", "source": "def f(x):\\n    ### BEGIN SOLUTION\\n    return x * 42\\n    ### END SOLUTION"}
    >>> path = Path(tempfile.mkdtemp()) / "a.ipynb"
    >>> _ = path.write_text(json.dumps({"cells": [cell]}))
    >>> secret_lines([path])
    {'return x * 42'}
    """
    secret, public = set(), set()
    for path in solution_notebooks:
        for line, hidden in notebook_lines(path):
            (secret if hidden else public).add(line)
    for path in public_files:
        public.update(text_lines(path))
    return {line for line in secret - public if len(line) >= MIN_CHARS}


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
        lines = text_lines(path)
        leaks += [(path, secret) for secret in sorted(secrets) if secret in lines
                  or len(secret) >= EMBEDDED_CHARS and any(secret in line for line in lines)]
    return leaks
