"""Where an array answer is wrong, and what the pattern of its wrong values suggests.

:func:`diagnose` compares an answer with the expected array of the same shape
(both NumPy) and returns a :class:`Mismatch`: the positions that are wrong,
the name of the pattern they fit, if one does, and a grid of right (``.``) and
wrong (``X``) positions to show the student, as text and as HTML.  The
expected values are never part of it.

The patterns, tried in this order (each on the last two axes, the image's
rows and columns):

* ``transposed``: the answer is the expected array with rows and columns swapped;
* ``mirrored``: upside down, left to right, or both (rotated by 180 degrees);
* ``shifted``: the expected values, moved by one row or one column;
* ``border``: only values in the first or last rows or columns are wrong;
* ``zeros``: the answer is all zeros;
* ``scaled``: every value is the same multiple of the expected one;
* ``offset``: every value is off by the same amount;
* ``rows`` / ``columns``: the wrong values fill whole rows or whole columns.

Examples
--------
>>> import numpy as np
>>> expected = np.arange(12.0).reshape(3, 4)
>>> diagnose(expected[::-1], expected).pattern
'mirrored'
>>> print(diagnose(np.where(expected == 5, 0, expected), expected).grid)
. . . .
. X . .
. . . .
"""

from dataclasses import dataclass

import numpy as np

GRID_MAX = 16  # rows and columns shown; a larger map is cut with "..."


@dataclass
class Mismatch:
    """What :func:`diagnose` found.

    Attributes
    ----------
    wrong : ndarray of bool
        True where the answer differs from the expected value.
    pattern : str or None
        The pattern the wrong values fit (see the module docstring), or None.
    hint : str
        What the pattern suggests, in words for the student ('' when none fits).
    where : tuple of int
        Index of the leading axes (batch, channel) of the slice shown in ``grid``.
    """

    wrong: np.ndarray
    pattern: str = None
    hint: str = ""
    where: tuple = ()

    @property
    def count(self):
        """How many values are wrong."""
        return int(self.wrong.sum())

    @property
    def grid(self):
        """The map of the shown slice as text: ``.`` right, ``X`` wrong, one line per row."""
        rows = _shown(self._slice())
        return "\n".join(" ".join("X" if cell else "." if cell is not None else "..." for cell in row)
                         for row in rows)

    def html(self):
        """The same map as a small HTML table: wrong cells red, right cells green."""
        cells = []
        for row in _shown(self._slice()):
            tds = "".join('<td style="width:1em;height:1em;background:%s"></td>'
                          % ("#d62728" if cell else "#b7e4b0" if cell is not None else "#ffffff") for cell in row)
            cells.append(f"<tr>{tds}</tr>")
        return ('<table style="border-collapse:collapse;border:1px solid #999" '
                f'title="red: wrong value, green: right value">{"".join(cells)}</table>')

    def _slice(self):
        wrong = np.atleast_2d(self.wrong) if self.wrong.ndim < 2 else self.wrong
        return wrong[self.where] if self.where else wrong


def _shown(wrong):
    """Rows of booleans (``None`` for a cut), at most ``GRID_MAX`` by ``GRID_MAX``."""
    h, w = wrong.shape
    rows = [list(map(bool, wrong[i, :GRID_MAX])) + ([None] if w > GRID_MAX else []) for i in range(min(h, GRID_MAX))]
    if h > GRID_MAX:
        rows.append([None])
    return rows


def diagnose(actual, expected, *, rtol=1e-6, atol=1e-8):
    """Compare ``actual`` with ``expected`` (same shape); return a :class:`Mismatch`.

    Examples
    --------
    >>> e = np.arange(1.0, 13.0).reshape(3, 4) ** 2  # not a ramp: a ramp shifted looks like a ramp plus one
    >>> diagnose(2 * e, e).pattern, diagnose(e + 1, e).pattern, diagnose(e[:, ::-1], e).pattern
    ('scaled', 'offset', 'mirrored')
    """
    actual, expected = np.asarray(actual, dtype=float), np.asarray(expected, dtype=float)

    def same(a, b):
        return a.shape == b.shape and a.size > 0 and bool(np.allclose(a, b, rtol=rtol, atol=atol))

    wrong = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    where = _first_wrong_slice(wrong)
    for pattern, hint, test in _patterns(actual, expected, wrong, same):
        if test():
            return Mismatch(wrong, pattern, hint, where)
    return Mismatch(wrong, None, "", where)


def _first_wrong_slice(wrong):
    if wrong.ndim <= 2:
        return ()
    leading = np.argwhere(wrong.reshape(*wrong.shape[:-2], -1).any(axis=-1))
    return tuple(int(i) for i in leading[0]) if len(leading) else (0,) * (wrong.ndim - 2)


def _patterns(a, e, wrong, same):
    two_d = a.ndim >= 2
    rows, cols = (a.shape[-2], a.shape[-1]) if two_d else (1, a.shape[-1] if a.ndim else 1)
    square = two_d and rows == cols
    yield ("transposed", "it is the transpose of the expected result. Check which axis is rows (H) and which "
           "is columns (W)", lambda: square and same(np.swapaxes(a, -1, -2), e))
    if two_d:
        yield ("mirrored", "it is the expected result rotated by 180 degrees (both axes reversed): a flip too "
               "many or too few", lambda: same(a[..., ::-1, ::-1], e))
        yield ("mirrored", "it is the expected result upside down (its rows in reverse order): check the "
               "direction of the row index", lambda: same(a[..., ::-1, :], e))
    yield ("mirrored", "it is the expected result mirrored left to right (its columns in reverse order): check "
           "the direction of the column index", lambda: a.ndim >= 1 and cols > 1 and same(a[..., ::-1], e))
    if two_d and rows > 2:
        yield ("shifted", "its rows are shifted by one (row i holds what belongs in row i + 1 or i - 1): an "
               "off-by-one in a row index", lambda: same(a[..., 1:, :], e[..., :-1, :]) or same(a[..., :-1, :], e[..., 1:, :]))
    if a.ndim >= 1 and cols > 2:
        yield ("shifted", "its columns are shifted by one (column j holds what belongs in column j + 1 or "
               "j - 1): an off-by-one in a column index",
               lambda: same(a[..., 1:], e[..., :-1]) or same(a[..., :-1], e[..., 1:]))
    if two_d and min(rows, cols) >= 3:
        yield ("border", "the inside is right but the border values differ",
               lambda: not wrong[..., 1:-1, 1:-1].any())
    yield ("zeros", "it is all zeros: check that the values are written into it (out[i, j] = ...) and that "
           "it is the array you return", lambda: not np.any(a) and np.any(e))
    varied = a.size > 1 and np.ptp(e) > 0  # against a constant, "scaled" and "offset" say nothing
    scale = _ratio(a, e)
    yield ("scaled", f"every value is {scale:.3g} times the expected one: a factor too many or too few "
           "(a sum instead of a mean, a missing division)" if scale is not None else "",
           lambda: varied and scale is not None and not np.isclose(scale, 1.0) and same(a, scale * e))
    shift = float(np.mean(a - e)) if a.size else 0.0
    yield ("offset", "every value is off by the same amount: a constant added or missing (a bias?)",
           lambda: varied and not np.isclose(shift, 0.0) and same(a - shift, e))
    if two_d and rows > 1:
        yield ("rows", f"only whole rows are wrong ({_names(np.flatnonzero(wrong.any(axis=-1).reshape(-1, rows).any(axis=0)), 'row')}): "
               "check the loop over rows and its range", lambda: _whole_lines(wrong, axis=-1))
    if two_d and cols > 1:
        yield ("columns", f"only whole columns are wrong ({_names(np.flatnonzero(wrong.any(axis=-2).reshape(-1, cols).any(axis=0)), 'column')}): "
               "check the loop over columns and its range", lambda: _whole_lines(wrong, axis=-2))



def _ratio(a, e):
    scale = np.vdot(e, a) / np.vdot(e, e) if np.any(e) else None
    return None if scale is None or not np.isfinite(scale) or np.isclose(scale, 0.0) else float(scale)


def _whole_lines(wrong, axis):
    """True when the wrong values fill complete lines along ``axis`` (and not everything)."""
    lines = wrong.any(axis=axis)
    return bool(lines.any()) and not wrong.all() and bool(np.all(wrong == np.expand_dims(lines, axis)))


def _names(indices, word):
    shown = ", ".join(str(int(i)) for i in indices[:6]) + (", ..." if len(indices) > 6 else "")
    return f"{word}{'s' if len(indices) > 1 else ''} {shown}"
