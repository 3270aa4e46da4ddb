"""PaddingExplorer: the five padding types side by side, on a small matrix and on an image border."""

import numpy as np

from ._base import Explorer
from ._inputs import camera
from ._layout import check_scale

SOURCES = ("P3: 3x3 matrix", "random 4x4 integers", "image corner", "camera 32x32")


class PaddingExplorer(Explorer):
    """Pad the same input with zeros, reflect, symmetric, replicate and circular.

    Parameters
    ----------
    scale : float
        1 in a notebook; :data:`~cnnlab.widgets.LECTURE_SCALE` (``make demo``)
        enlarges text and figure for a lecture hall.

    Controls: ``source`` (a matrix from the notes, random integers, the top-left
    corner of a photo, or the whole downscaled photo) and ``amount``
    (pixels added on every side). Read back: ``x`` and ``padded`` (mode ->
    array, computed by :func:`cnnlab.padding.pad2d`), ``error``.

    Examples
    --------
    >>> explorer = PaddingExplorer()
    >>> explorer.padded["reflect"][0].tolist()
    [5.0, 4.0, 5.0, 6.0, 5.0]
    """

    title = "Padding explorer"

    def __init__(self, scale=1.0):
        import ipywidgets as W
        from cnnlab.padding import PADDING_MODES
        from cnnlab.plot import show_matrix

        self.scale = check_scale(scale)
        self.modes = PADDING_MODES
        self.source = W.Dropdown(options=SOURCES, description="input")
        self.amount = W.IntSlider(1, min=0, max=6, description="padding")
        self.status = W.HTML()
        self.figure = self._new_figure(10, 2.6)
        axes = self.figure.subplots(1, len(self.modes))
        self.arts = {mode: show_matrix(np.zeros((1, 1)), ax, title=mode, cmap="Blues", color="tab:orange")
                     for mode, ax in zip(self.modes, axes)}
        self._observe([self.source, self.amount], self.update)
        self.update()
        self._freeze_layout()
        self._assemble([W.HBox([self.source, self.amount])], [self.canvas, self.status])

    def number_tables(self):
        """The input padded with each mode, as numbers."""
        return [(f"{mode}, padding {self.amount.value}", padded) for mode, padded in getattr(self, "padded", {}).items()]

    def _input(self):
        from cnnlab import examples

        if self.source.value == "P3: 3x3 matrix":
            return np.asarray(examples.P3_INPUT, dtype=float)
        if self.source.value == "random 4x4 integers":
            return np.random.default_rng(1).integers(0, 10, (4, 4)).astype(float)
        if self.source.value == "image corner":
            return camera(512)[:8, :8]
        return camera(32)

    def update(self):
        """Pad with every mode (where the amount fits) and redraw in place."""
        from cnnlab.padding import pad2d

        self.x = self._input()
        p = self.amount.value
        self.padded, problems = {}, []
        for mode in self.modes:
            try:
                self.padded[mode] = pad2d(self.x, p, mode)
            except ValueError as err:
                problems.append(str(err))
                self.padded[mode] = np.full((self.x.shape[0] + 2 * p, self.x.shape[1] + 2 * p), np.nan)
        self.error = "; ".join(problems) or None
        self.status.value = f"<span style='color:#b00'>⚠ {self.error}</span>" if self.error else ""
        for mode, art in self.arts.items():
            art.set_data(self.padded[mode], clim=(float(self.x.min()), float(self.x.max())))
            art.set_window((p, p, self.x.shape[0], self.x.shape[1]))
        self.redraw()
