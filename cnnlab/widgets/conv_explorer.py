"""ConvExplorer: slide a kernel over a padded input and watch the output fill in.

Every number shown comes from cnnlab: the padded input from
:func:`cnnlab.padding.pad2d`, the output from :func:`cnnlab.conv.correlate2d`
(cross-correlation, as in every framework), its size from
:func:`cnnlab.shapes.conv_output_size`, whose ``strict=True`` flags a stride
that does not fit ("fractions are illegal") instead of silently flooring.
"""

import numpy as np

from cnnlab.plot import format_number

from ._base import Explorer, OutputCells
from ._inputs import KERNEL_PRESETS, format_kernel, lecture_inputs, load_kernel, parse_kernel
from ._layout import check_scale

MODES = ("valid", "same", "full", "custom")


class ConvExplorer(OutputCells, Explorer):
    """Interactive 2-D cross-correlation: input, kernel, padding, stride, dilation, one cell at a time.

    Parameters
    ----------
    scale : float
        1 in a notebook; :data:`~cnnlab.widgets.LECTURE_SCALE` (``make demo``)
        enlarges text and figure for a lecture hall.

    Controls (ipywidgets, settable from code): ``input``, ``kernel``,
    ``kernel_text`` (editable rows of numbers), ``mode``, ``padding`` (used in
    mode ``'custom'``), ``padding_mode``, ``stride``, ``dilation``, ``cell``
    (row-major index of the current output cell), ``play``, ``step_button``.

    Read back: ``x``, ``w``, ``padded``, ``output``, ``output_shape``,
    ``current_cell``, ``window`` ((top, left, height, width) in the padded
    input), ``window_mask``, ``formula_text``, ``arithmetic_text``,
    ``stride_fits``, ``error``; and the same convolution from two more sides:
    ``im2col_row`` (the current window as the row of the im2col patch matrix
    that multiplies the flattened kernel), ``code`` (the PyTorch line that
    computes the output from ``x`` and ``w`` as (1, 1, H, W) tensors) and
    ``cnnlab_code`` (the cnnlab call, on the NumPy arrays); and backwards:
    ``pixel`` (a pixel of the padded input, set with :meth:`select_pixel` or a
    click on the input), ``fed_cells`` (a boolean mask of the output cells that
    pixel feeds) and ``input_gradient`` (dL/dX on the padded input for
    dL/dZ = 1 everywhere: the transposed convolution of dL/dZ with the kernel).

    Examples
    --------
    >>> explorer = ConvExplorer()
    >>> explorer.output_shape
    (3, 3)
    >>> explorer.stride.value = 2
    >>> explorer.output_shape, explorer.stride_fits
    ((2, 2), True)
    """

    title = "Convolution explorer"

    def __init__(self, scale=1.0):
        import ipywidgets as W

        self.scale = check_scale(scale)
        self.inputs = lecture_inputs()
        self.input = W.Dropdown(options=list(self.inputs), description="input")
        self.kernel = W.Dropdown(options=[*KERNEL_PRESETS, "custom"], description="kernel")
        self.kernel_text = W.Textarea(description="weights", rows=3)
        self.mode = W.ToggleButtons(options=MODES, description="mode")
        self.padding = W.IntSlider(0, min=0, max=4, description="padding", disabled=True)
        from cnnlab.padding import PADDING_MODES

        self.padding_mode = W.Dropdown(options=PADDING_MODES, description="padding type")
        self.stride = W.IntSlider(1, min=1, max=4, description="stride")
        self.dilation = W.IntSlider(1, min=1, max=3, description="dilation")
        self.cell = W.IntSlider(0, min=0, max=0, description="output cell")
        self.play = W.Play(interval=700, min=0, max=0)
        W.link((self.play, "value"), (self.cell, "value"))
        W.link((self.play, "max"), (self.cell, "max"))
        self.step_button = W.Button(description="step", icon="step-forward")
        self.step_button.on_click(lambda button: self.step())
        self.status = W.HTML()
        self.formula = W.HTML()
        self.arithmetic = W.HTML()
        self.sides = W.HTML()
        self._build_figure()
        self.kernel_text.value = format_kernel(load_kernel(self.kernel.value))
        self.kernel.observe(self._on_preset, names="value")
        self._observe([self.input, self.kernel_text, self.mode, self.padding_mode, self.stride, self.dilation],
                      self.update)
        self._observe([self.padding], self._on_padding)
        self._observe([self.cell], self._show_cell)
        self.canvas.mpl_connect("button_press_event", self._on_click)
        self.update()
        self._freeze_layout()
        self._assemble([self.input, self.kernel, self.kernel_text, self.mode, self.padding, self.padding_mode,
                        self.stride, self.dilation, W.HBox([self.play, self.step_button]), self.cell],
                       [self.canvas, self.formula, self.arithmetic, self.sides, self.status])

    def _build_figure(self):
        from cnnlab.plot import show_matrix

        self.figure = self._new_figure(9.5, 3.4)
        ax_in, ax_k, ax_out = self.figure.subplots(1, 3, width_ratios=(3, 1.4, 2.4))
        self.input_art = show_matrix(np.zeros((1, 1)), ax_in, title="padded input")
        self.kernel_art = show_matrix(np.zeros((1, 1)), ax_k, title="kernel", cmap="RdBu_r")
        self.output_art = show_matrix(np.zeros((1, 1)), ax_out, title="output", cmap="Greens")

    def number_tables(self):
        """The padded input, the kernel and the output computed so far, as numbers."""
        if self.error is not None or not hasattr(self, "filled"):
            return []
        return [("padded input", self.padded), ("kernel", self.w), ("output so far", self.filled)]

    # ----------------------------------------------------------------- controls
    def _on_preset(self, change):
        if change["new"] != "custom":
            self.kernel_text.value = format_kernel(load_kernel(change["new"]))

    def _on_padding(self):
        if self.mode.value == "custom":  # other modes set the slider themselves, for show
            self.update()

    def _on_click(self, event):
        if event.inaxes is self.output_art.ax and self.output.size:
            self.jump_to(int(round(event.ydata)), int(round(event.xdata)))
        elif event.inaxes is self.input_art.ax and self.error is None:
            self.select_pixel(int(round(event.ydata)), int(round(event.xdata)))

    def select_pixel(self, row, col):
        """Follow pixel ``(row, col)`` of the padded input backwards: frame it, color the output cells it feeds."""
        height, width = self.padded.shape
        if not (0 <= row < height and 0 <= col < width):
            raise ValueError(f"pixel must lie inside the padded input of shape {self.padded.shape}, got ({row}, {col})")
        self.pixel = (row, col)
        self._show_sides()
        self.input_art.set_window((row, col, 1, 1))  # the backward view until the next output cell
        self.output_art.set_window(self.fed_cells if self.fed_cells.any() else None)
        self.redraw()

    def jump_to(self, row, col):
        """Make output cell ``(row, col)`` the current one."""
        height, width = self.output_shape
        if not (0 <= row < height and 0 <= col < width):
            raise ValueError(f"cell must lie inside the output of shape {self.output_shape}, got ({row}, {col})")
        self.cell.value = row * width + col

    def step(self):
        """Move to the next output cell (back to the first after the last)."""
        self.cell.value = (self.cell.value + 1) % (self.cell.max + 1)

    # ------------------------------------------------------------------ numbers
    def _compute(self):
        """Input, kernel, padding, output and size check, all through cnnlab."""
        from cnnlab.conv import correlate2d
        from cnnlab.padding import pad2d, resolve_padding

        self.x = self.inputs[self.input.value]()
        self.w = parse_kernel(self.kernel_text.value)
        self.padding.disabled = self.mode.value != "custom"
        spec = self.padding.value if self.mode.value == "custom" else self.mode.value
        self.pads = resolve_padding(spec, kernel_size=self.w.shape, dilation=self.dilation.value)
        if self.mode.value != "custom":
            self.padding.value = self.pads[0][0]
        self.padded = pad2d(self.x, self.pads, self.padding_mode.value)
        self.output = correlate2d(self.padded, self.w, "valid", stride=self.stride.value,
                                  dilation=self.dilation.value)

    def _size_lines(self):
        """The output-size formula per axis with the numbers filled in; flags a stride that does not fit."""
        from cnnlab.shapes import conv_output_size

        lines, fits = [], True
        s, d = self.stride.value, self.dilation.value
        for axis, n, f, (before, after) in zip(("H", "W"), self.x.shape, self.w.shape, self.pads):
            size = conv_output_size(n, f, (before, after), s, d)
            room = n + before + after - d * (f - 1) - 1
            line = (f"{axis}_out = ⌊(N + P_before + P_after − d(F−1) − 1)/S⌋ + 1 = "
                    f"⌊({n} + {before} + {after} − {d}·({f}−1) − 1)/{s}⌋ + 1 = ⌊{room}/{s}⌋ + 1 = {size}")
            try:
                conv_output_size(n, f, (before, after), s, d, strict=True)
            except ValueError as err:
                fits = False
                line += f"  ⚠ {err}"
            lines.append(line)
        return lines, fits

    def update(self):
        """Recompute everything after a control change and update the drawing."""
        try:
            self._compute()
        except (ValueError, TypeError) as err:
            self.error = str(err)
            self.status.value = f"<span style='color:#b00'>⚠ {self.error}</span>"
            self.output = np.zeros((0, 0))
            self.cell.max = 0
            return
        self.error = None
        lines, self.stride_fits = self._size_lines()
        self.formula_text = "\n".join(lines)
        self.formula.value = "<br>".join(f"<code>{line}</code>" for line in lines)
        self.status.value = "" if self.stride_fits else (
            "<span style='color:#b00'>⚠ the stride does not fit: fractions are illegal "
            "(cnnlab, like every framework, floors and drops the last pixels)</span>")
        self.input_art.set_data(self.padded)
        self.kernel_art.set_data(self.w, clim=_symmetric_limits(self.w))
        self.output_art.ax.set_title(f"output {self.output_shape[0]}×{self.output_shape[1]}")
        self._fit_cell_slider()

    def _window_geometry(self):
        (row, col), (kh, kw) = self.current_cell, self.w.shape
        s, d = self.stride.value, self.dilation.value
        return row * s, col * s, d * (kh - 1) + 1, d * (kw - 1) + 1

    def _show_cell(self):
        """Frame the current window, fill the output up to the current cell, write the arithmetic."""
        if self.error is not None or not self.output.size:
            return
        top, left, height, width = self.window = self._window_geometry()
        d = self.dilation.value
        self.window_mask = np.zeros(self.padded.shape, dtype=bool)
        self.window_mask[top:top + height:d, left:left + width:d] = True
        self.input_art.set_window(self.window if d == 1 else self.window_mask)
        self.filled = np.full(self.output.shape, np.nan)
        self.filled.flat[:self.cell.value + 1] = self.output.flat[:self.cell.value + 1]
        self.output_art.set_data(self.filled, clim=_limits(self.output))
        row, col = self.current_cell
        self.output_art.set_window((row, col, 1, 1))
        self.arithmetic_text = self._arithmetic(row, col)
        self.arithmetic.value = f"<code>{self.arithmetic_text}</code>"
        self._show_sides()
        self.redraw()

    def _show_sides(self):
        """The current window as a row of the im2col matrix, and the lines of PyTorch and cnnlab."""
        top, left, height, width = self.window
        d = self.dilation.value
        self.im2col_row = self.padded[top:top + height:d, left:left + width:d].ravel()
        self.code, self.cnnlab_code = self._torch_line(), self._cnnlab_line()
        backward = self._backward_line()
        row = " ".join(format_number(v) for v in self.im2col_row)
        kernel = " ".join(format_number(v) for v in self.w.ravel())
        self.sides.value = (
            f"<code>im2col: row {self.cell.value} of the patch matrix [{row}] · flattened kernel [{kernel}] "
            f"= {format_number(self.im2col_row @ self.w.ravel())}</code><br>"
            f"<code>PyTorch: {self.code}</code><br><code>cnnlab: {self.cnnlab_code}</code><br>"
            f"<code>{backward}</code>")

    def _backward_line(self):
        """Which output cells ``self.pixel`` feeds, and its share of dL/dX as a transposed convolution."""
        from cnnlab.conv import correlate2d
        from cnnlab.conv_transpose import conv_transpose2d

        s, d = self.stride.value, self.dilation.value
        height, width = self.padded.shape
        self.pixel = tuple(min(p, n - 1) for p, n in zip(getattr(self, "pixel", self.window[:2]), (height, width)))
        one_hot = np.zeros(self.padded.shape)
        one_hot[self.pixel] = 1.0
        self.fed_cells = correlate2d(one_hot, np.ones_like(self.w), stride=s, dilation=d) != 0
        reached = conv_transpose2d(np.ones((1, 1) + self.output.shape), self.w[None, None], stride=s, dilation=d)[0, 0]
        self.input_gradient = np.zeros(self.padded.shape)  # pixels past the last window get nothing
        self.input_gradient[:reached.shape[0], :reached.shape[1]] = reached
        cells = ", ".join(f"({i}, {j})" for i, j in np.argwhere(self.fed_cells)) or "none"
        return (f"backward: input pixel {self.pixel} feeds output cells {cells}; with dL/dZ = 1 everywhere, "
                f"dL/dX = conv_transpose2d(dL/dZ, w, stride={s}, dilation={d}) gives it "
                f"{format_number(self.input_gradient[self.pixel])}")

    def _torch_line(self):
        """``F.conv2d(...)`` for the current settings, on x and w as (1, 1, H, W) tensors."""
        (top, bottom), (left, right) = self.pads
        mode, s, d = self.padding_mode.value, self.stride.value, self.dilation.value
        if mode == "zeros" and top == bottom and left == right:
            return f"F.conv2d(x, w, stride={s}, padding=({top}, {left}), dilation={d})"
        if mode == "symmetric":  # torch has no symmetric padding: cnnlab pads, torch convolves
            padded = f"torch.from_numpy(pad2d(x.numpy(), (({top}, {bottom}), ({left}, {right})), 'symmetric'))"
        else:
            torch_mode = {"zeros": "constant"}.get(mode, mode)
            padded = f"F.pad(x, ({left}, {right}, {top}, {bottom}), mode={torch_mode!r})"
        return f"F.conv2d({padded}, w, stride={s}, dilation={d})"

    def _cnnlab_line(self):
        """The cnnlab call for the current settings, on the NumPy arrays x and w."""
        spec = self.padding.value if self.mode.value == "custom" else repr(self.mode.value)
        return (f"cl.conv2d(x[None, None], w[None, None], stride={self.stride.value}, padding={spec}, "
                f"dilation={self.dilation.value}, padding_mode={self.padding_mode.value!r})[0, 0]")

    def _arithmetic(self, row, col):
        """``out[i, j] = a·w + ... = value``: the products of the current window, and cnnlab's sum."""
        top, left, height, width = self.window
        d = self.dilation.value
        taps = self.padded[top:top + height:d, left:left + width:d]
        terms = [f"{format_number(a)}·{format_number(b)}" for a, b in zip(taps.ravel(), self.w.ravel())]
        shown = " + ".join(terms[:25]) + (" + …" if len(terms) > 25 else "")
        return f"out[{row}, {col}] = {shown} = {format_number(self.output[row, col])}"


def _limits(a):
    return (float(a.min()), float(a.max())) if a.size else (0.0, 1.0)


def _symmetric_limits(a):
    bound = float(np.abs(a).max()) or 1.0
    return (-bound, bound)
