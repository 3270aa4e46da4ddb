"""ReceptiveFieldExplorer: which input pixels can one output unit of a conv/pool stack see?

The size comes from the lecture's formula in :func:`cnnlab.stacks.receptive_field`
(``r = 1 + sum d_l (F_l - 1) J_l``, J the product of the earlier strides); the
exact footprint comes from backpropagation: a one-hot gradient at the chosen
unit is sent back through every layer with :func:`cnnlab.backprop.conv2d_backward`
(all-ones kernels) and :func:`cnnlab.pooling.avg_pool2d_backward`. Its nonzero
cells are the receptive field; their values count the paths from each input
pixel to the unit (the center is seen most often), and dilation leaves holes.
"""

import numpy as np

from ._base import Explorer
from ._layout import SMALLEST_FIGURE_FONT, check_scale

MAX_LAYERS = 4
KINDS = ("conv", "max pool", "none")


class _LayerRow:
    """The controls of one layer: kind, kernel, stride, dilation."""

    def __init__(self, index, kind, kernel=3, stride=1, dilation=1):
        import ipywidgets as W

        style = {"description_width": "initial"}
        self.kind = W.ToggleButtons(options=KINDS, value=kind, description=f"layer {index + 1}", style=style)
        self.kernel = W.IntSlider(kernel, min=1, max=7, description="kernel", style=style)
        self.stride = W.IntSlider(stride, min=1, max=3, description="stride", style=style)
        self.dilation = W.IntSlider(dilation, min=1, max=3, description="dilation", style=style)
        self.box = W.HBox([self.kind, self.kernel, self.stride, self.dilation])

    @property
    def controls(self):
        return [self.kind, self.kernel, self.stride, self.dilation]

    def spec(self):
        """The Keras-style layer spec of :mod:`cnnlab.layers`, or None for 'none'."""
        from cnnlab.layers import Conv2D, MaxPooling2D

        self.dilation.disabled = self.kind.value != "conv"
        if self.kind.value == "conv":
            return Conv2D(1, self.kernel.value, strides=self.stride.value, dilation_rate=self.dilation.value)
        if self.kind.value == "max pool":
            return MaxPooling2D(self.kernel.value, strides=self.stride.value)
        return None


class ReceptiveFieldExplorer(Explorer):
    """Stack up to four conv/pool layers and pick an output unit to see its receptive field.

    Parameters
    ----------
    scale : float
        1 in a notebook; :data:`~cnnlab.widgets.LECTURE_SCALE` (``make demo``)
        enlarges text and figure for a lecture hall.

    Controls: ``layers`` (a list of rows, each with ``kind``, ``kernel``,
    ``stride``, ``dilation``), ``input_size``, ``unit_row``, ``unit_col``;
    clicking a cell of the output picks it too. Read back: ``field_size``
    (formula), ``footprint`` (paths from each input pixel to the unit),
    ``region`` ((top, left, height, width) of the footprint), ``layer_sizes``,
    ``formula_text``, ``error``.

    Examples
    --------
    >>> explorer = ReceptiveFieldExplorer()
    >>> explorer.field_size, explorer.region[2:]
    ((7, 7), (7, 7))
    """

    title = "Receptive field explorer"

    def __init__(self, scale=1.0):
        import ipywidgets as W

        self.scale = check_scale(scale)
        self.layers = [_LayerRow(i, "conv" if i < 3 else "none") for i in range(MAX_LAYERS)]
        self.input_size = W.IntSlider(15, min=5, max=32, description="input size")
        self.unit_row = W.IntSlider(0, min=0, max=0, description="unit row")
        self.unit_col = W.IntSlider(0, min=0, max=0, description="unit col")
        self.formula = W.HTML()
        self.status = W.HTML()
        self._build_figure()
        self._observe([c for row in self.layers for c in row.controls] + [self.input_size], self.update)
        self._observe([self.unit_row, self.unit_col], self._show_unit)
        self.canvas.mpl_connect("button_press_event", self._on_click)
        self.update()
        self._freeze_layout()
        self.unit_row.value, self.unit_col.value = self.unit_row.max // 2, self.unit_col.max // 2
        rows = W.VBox([row.box for row in self.layers])
        picks = W.HBox([self.input_size, self.unit_row, self.unit_col])
        self._assemble([rows, picks], [self.canvas, self.formula, self.status])

    def number_tables(self):
        """Each panel's footprint: how many paths lead from each of its cells to the chosen unit."""
        if self.error is not None or not hasattr(self, "region"):
            return []
        return [(art.ax.get_title(), art.data) for art in self.arts if art.ax.get_visible()]

    def _build_figure(self):
        from cnnlab.plot import show_matrix

        self.figure = self._new_figure(10, 2.8)
        axes = self.figure.subplots(1, MAX_LAYERS + 1)
        self.arts = [show_matrix(np.zeros((1, 1)), ax, cmap="Purples", annotate=False) for ax in axes]

    def _on_click(self, event):
        active = self.arts[len(self.specs)]
        if event.inaxes is active.ax:
            self.unit_row.value, self.unit_col.value = int(round(event.ydata)), int(round(event.xdata))

    def update(self):
        """Recompute the layer sizes and the formula after a layer or input change."""
        from cnnlab.stacks import receptive_field
        from cnnlab.shapes import conv_output_size

        self.specs = [spec for spec in (row.spec() for row in self.layers) if spec is not None]
        sizes = [self.input_size.value]
        try:
            for (kernel, stride, dilation), _ in (spec.window() for spec in self.specs):
                sizes.append(conv_output_size(sizes[-1], kernel, 0, stride, dilation))
        except ValueError as err:
            self.error = (f"the stack does not fit: sizes {' → '.join(map(str, sizes))}, then {err}; "
                          "make the input larger")
            self.status.value = f"<span style='color:#b00'>⚠ {self.error}</span>"
            return
        self.layer_sizes = sizes
        self.error, self.status.value = None, ""
        field = receptive_field(self.specs) if self.specs else 1
        self.field_size = tuple(field) if isinstance(field, tuple) else (field, field)
        self.formula_text = (f"receptive field r = 1 + Σ d·(F − 1)·J = {self.field_size[0]}×{self.field_size[1]};"
                             f" sizes {' → '.join(map(str, sizes))}")
        self.formula.value = f"<code>{self.formula_text}</code>"
        for index, art in enumerate(self.arts):
            art.ax.set_visible(index < len(sizes))
        self.unit_row.max = self.unit_col.max = sizes[-1] - 1
        self._show_unit()

    def _back_through(self, spec, dout, size):
        """Send ``dout`` back through one layer of input size ``size`` (all-ones kernels)."""
        from cnnlab.backprop import conv2d_backward
        from cnnlab.pooling import avg_pool2d_backward

        (kernel, stride, dilation), _ = spec.window()
        x = np.zeros((1, 1, size, size))
        if spec.__class__.__name__ == "Conv2D":
            w = np.ones((1, 1, kernel, kernel))
            return conv2d_backward(dout, x, w, stride=stride, dilation=dilation)[0]
        return avg_pool2d_backward(dout, x, kernel, stride=stride) * kernel * kernel

    def _show_unit(self):
        """Back-propagate a one-hot gradient from the chosen unit and draw every layer's footprint."""
        if self.error is not None:
            return
        self.unit = (self.unit_row.value, self.unit_col.value)
        grad = np.zeros((1, 1, self.layer_sizes[-1], self.layer_sizes[-1]))
        grad[0, 0][self.unit] = 1.0
        footprints = [grad[0, 0]]
        for spec, size in zip(reversed(self.specs), reversed(self.layer_sizes[:-1])):
            grad = self._back_through(spec, grad, size)
            footprints.insert(0, grad[0, 0])
        self.footprint = footprints[0]
        for index, (art, footprint) in enumerate(zip(self.arts, footprints)):
            art.set_data(footprint, clim=(0, max(float(footprint.max()), 1.0)))
            art.set_window(footprint != 0)
            art.mark(None)
            name = "input" if index == 0 else f"layer {index} output"
            art.ax.set_title(f"{name} {footprint.shape[0]}×{footprint.shape[1]}", fontsize=SMALLEST_FIGURE_FONT)
        self.region = self.arts[0].window
        self.redraw()
