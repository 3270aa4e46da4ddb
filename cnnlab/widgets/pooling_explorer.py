"""PoolingExplorer: max and average pooling, which input wins each cell, and where the gradient goes."""

import numpy as np

from ._base import Explorer, OutputCells
from ._inputs import random_integers
from ._layout import check_scale

DIGITS = ".3g"  # three significant digits: 1.75 stays 1.75, and a window's gradient adds up


def _pooling_inputs():
    from cnnlab import examples

    return {
        "Q1: 4x4 from the notes": lambda: np.asarray(examples.Q1_INPUT, dtype=float),
        "Q2: 4x4 Keras example": lambda: np.asarray(examples.Q2_INPUT, dtype=float),
        "random 8x8 integers": lambda: random_integers(8, seed=2),
        "random 32x32 integers": lambda: random_integers(32, seed=2),
    }


class PoolingExplorer(OutputCells, Explorer):
    """Max/average pooling one window at a time, forward and backward.

    Parameters
    ----------
    scale : float
        1 in a notebook; :data:`~cnnlab.widgets.LECTURE_SCALE` (``make demo``)
        enlarges text and figure for a lecture hall.

    Controls: ``input``, ``kind`` ('max' or 'avg'), ``kernel_size``, ``stride``,
    ``cell`` (row-major output cell), ``backward`` (show how an upstream
    gradient ``dout`` flows back). Read back: ``x``, ``output`` (from
    :mod:`cnnlab.pooling`), ``window``, ``winner`` (the arg-max of the current
    window for max pooling, found by :func:`cnnlab.pooling.max_pool2d_backward`
    of a one-hot gradient), ``dout`` and ``dx`` (from :mod:`cnnlab.pooling`),
    ``formula_text``, ``window_fits`` (False when the last window does not
    fit: the notes' "fractions are illegal").

    Gradients use the notes' names: the layer computes ``z`` from ``x``, the
    upstream gradient is dL/dz, and each window sends it back to dL/dx.
    Numbers show three significant digits, so that a window's share adds up.

    Examples
    --------
    >>> explorer = PoolingExplorer()
    >>> explorer.output.tolist()
    [[6.0, 9.0], [3.0, 4.0]]
    >>> explorer.winner
    (1, 0)
    """

    title = "Pooling explorer"

    def __init__(self, scale=1.0):
        import ipywidgets as W

        self.scale = check_scale(scale)
        self.inputs = _pooling_inputs()
        self.input = W.Dropdown(options=list(self.inputs), description="input")
        self.kind = W.ToggleButtons(options=("max", "avg"), description="pooling")
        self.kernel_size = W.IntSlider(2, min=1, max=4, description="window")
        self.stride = W.IntSlider(2, min=1, max=4, description="stride")
        self.cell = W.IntSlider(0, min=0, max=0, description="output cell")
        self.backward = W.Checkbox(False, description="backward pass (where dL/dz goes)", indent=False)
        self.formula = W.HTML()
        self.status = W.HTML()
        self._build_figure()
        self._observe([self.input, self.kind, self.kernel_size, self.stride, self.backward], self.update)
        self._observe([self.cell], self._show_cell)
        self.update()
        self._freeze_layout()
        self._assemble([self.input, self.kind, self.kernel_size, self.stride, self.cell, self.backward],
                       [self.canvas, self.formula, self.status])

    def _build_figure(self):
        from cnnlab.plot import show_matrix

        self.figure = self._new_figure(9, 3.2)
        axes = self.figure.subplots(1, 3)
        self.input_art = show_matrix(np.zeros((1, 1)), axes[0], title="input x", fmt=DIGITS)
        self.output_art = show_matrix(np.zeros((1, 1)), axes[1], title="output z", cmap="Greens", annotate=8,
                                      fmt=DIGITS)
        self.grad_art = show_matrix(np.zeros((1, 1)), axes[2], title="dL/dx", cmap="Oranges", annotate=8,
                                    fmt=DIGITS)

    def number_tables(self):
        """What the three panels show, as numbers."""
        if self.error is not None or not hasattr(self, "window"):
            return []
        return [(art.ax.get_title(), art.data) for art in (self.input_art, self.output_art, self.grad_art)]

    def _pool_args(self):
        return dict(kernel_size=self.kernel_size.value, stride=self.stride.value)

    def update(self):
        """Pool, size the output, and (in backward mode) route an upstream gradient back."""
        from cnnlab.pooling import avg_pool2d_backward, max_pool2d_backward
        from cnnlab.pooling import avg_pool2d, max_pool2d
        from cnnlab.shapes import pool_output_size

        self.x = self.inputs[self.input.value]()
        pool, self._backward = ((max_pool2d, max_pool2d_backward) if self.kind.value == "max"
                                else (avg_pool2d, avg_pool2d_backward))
        try:
            self.output = pool(self.x, **self._pool_args())
        except ValueError as err:
            self.error = str(err)
            self.status.value = f"<span style='color:#b00'>⚠ {self.error}</span>"
            return
        self.error = None
        n, f, s = self.x.shape[0], self.kernel_size.value, self.stride.value
        size = pool_output_size(n, f, s)
        self.formula_text = f"N_out = ⌊(N − F)/S⌋ + 1 = ⌊({n} − {f})/{s}⌋ + 1 = {size}"
        self.formula.value = f"<code>{self.formula_text}</code>"
        try:
            pool_output_size(n, f, s, strict=True)
            self.window_fits, self.status.value = True, ""
        except ValueError as err:
            self.window_fits = False
            self.status.value = (f"<span style='color:#b00'>⚠ {err} (cnnlab, like every "
                                 "framework, floors and drops the last pixels)</span>")
        self.dout = random_integers(self.output.shape[0], seed=3, high=5)[:, :self.output.shape[1]] + 1
        self.dx = self._backward(self.dout, self.x, **self._pool_args())
        self.input_art.set_data(self.x)
        self.output_art.set_data(self.dout if self.backward.value else self.output)
        self.output_art.ax.set_title("upstream dL/dz" if self.backward.value else f"{self.kind.value} pool output z")
        self._fit_cell_slider()

    def _show_cell(self):
        """Frame the current window; mark its winner, or the whole gradient in backward mode."""
        if self.error is not None:
            return
        row, col = self.current_cell
        f, s = self.kernel_size.value, self.stride.value
        self.window = (row * s, col * s, f, f)
        one_hot = np.zeros(self.output.shape)
        one_hot[row, col] = 1.0
        routed = self._backward(one_hot, self.x, **self._pool_args())
        self.winner = tuple(int(v) for v in np.argwhere(routed)[0]) if self.kind.value == "max" else None
        self.input_art.set_window(self.window)
        if self.kind.value == "max":
            self.input_art.mark(routed != 0)
        self.output_art.set_window((row, col, 1, 1))
        self.grad_art.set_data(self.dx if self.backward.value else routed)
        self.grad_art.ax.set_title("dL/dx (all cells)" if self.backward.value else "dz[cell]/dx (this cell)")
        self.redraw()
