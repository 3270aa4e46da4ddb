"""PoolingExplorer: max and average pooling, which input wins each cell, and where the gradient goes."""

import numpy as np

from ._base import Explorer, OutputCells, vbox_with_title
from ._inputs import random_integers


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

    Controls: ``input``, ``kind`` ('max' or 'avg'), ``kernel_size``, ``stride``,
    ``cell`` (row-major output cell), ``backward`` (show how an upstream
    gradient ``dout`` flows back). Read back: ``x``, ``output`` (from
    :mod:`cnnlab.pooling`), ``window``, ``winner`` (the arg-max of the current
    window for max pooling, found by :func:`cnnlab.backprop.max_pool2d_backward`
    of a one-hot gradient), ``dout`` and ``dx`` (from :mod:`cnnlab.backprop`),
    ``formula_text``.

    Examples
    --------
    >>> explorer = PoolingExplorer()
    >>> explorer.output.tolist()
    [[6.0, 9.0], [3.0, 4.0]]
    >>> explorer.winner
    (1, 0)
    """

    title = "Pooling explorer"

    def __init__(self):
        import ipywidgets as W

        self.inputs = _pooling_inputs()
        self.input = W.Dropdown(options=list(self.inputs), description="input")
        self.kind = W.ToggleButtons(options=("max", "avg"), description="pooling")
        self.kernel_size = W.IntSlider(2, min=1, max=4, description="window")
        self.stride = W.IntSlider(2, min=1, max=4, description="stride")
        self.cell = W.IntSlider(0, min=0, max=0, description="output cell")
        self.backward = W.Checkbox(False, description="backward: where the gradient goes")
        self.formula = W.HTML()
        self.status = W.HTML()
        self._build_figure()
        self._observe([self.input, self.kind, self.kernel_size, self.stride, self.backward], self.update)
        self._observe([self.cell], self._show_cell)
        self.update()
        self._freeze_layout()
        controls = W.VBox([self.input, self.kind, self.kernel_size, self.stride, self.cell, self.backward])
        self.widget = vbox_with_title(self.title, W.HBox([controls, W.VBox([self.canvas, self.formula,
                                                                              self.status])]))

    def _build_figure(self):
        from cnnlab.plot import show_matrix

        self.figure = self._new_figure(9, 3.2)
        axes = self.figure.subplots(1, 3)
        self.input_art = show_matrix(np.zeros((1, 1)), axes[0], title="input x")
        self.output_art = show_matrix(np.zeros((1, 1)), axes[1], title="output", cmap="Greens", annotate=8)
        self.grad_art = show_matrix(np.zeros((1, 1)), axes[2], title="dL/dx", cmap="Oranges", annotate=8)

    def _pool_args(self):
        return dict(kernel_size=self.kernel_size.value, stride=self.stride.value)

    def update(self):
        """Pool, size the output, and (in backward mode) route an upstream gradient back."""
        from cnnlab.backprop import avg_pool2d_backward, max_pool2d_backward
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
        self.error, self.status.value = None, ""
        n, f, s = self.x.shape[0], self.kernel_size.value, self.stride.value
        size = pool_output_size(n, f, s)
        self.formula_text = f"N_out = ⌊(N − F)/S⌋ + 1 = ⌊({n} − {f})/{s}⌋ + 1 = {size}"
        self.formula.value = f"<code>{self.formula_text}</code>"
        self.dout = random_integers(self.output.shape[0], seed=3, high=5)[:, :self.output.shape[1]] + 1
        self.dx = self._backward(self.dout, self.x, **self._pool_args())
        self.input_art.set_data(self.x)
        self.output_art.set_data(self.dout if self.backward.value else self.output)
        self.output_art.ax.set_title("upstream dL/dz" if self.backward.value else f"{self.kind.value} pool output")
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
        self.grad_art.ax.set_title("dL/dx (all cells)" if self.backward.value else "dz[cell]/dx")
        self.redraw()
