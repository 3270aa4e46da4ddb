"""The one table renderer behind both ``summary()``s: Keras' ``model.summary()`` look, as text and HTML.

:func:`cnnlab.stacks.summary` (Keras-style specs, shapes (H, W, C)) and
:func:`cnnlab.inspection.summary` (a torch model, shapes (C, H, W)) both return
a :class:`LayerTable` of :class:`SummaryRow`; the two differ only in how a
shape is written and in what stands above the rows.
"""

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class SummaryRow:
    """One layer of a :class:`LayerTable`.

    ``layer`` is the layer spec itself for :func:`cnnlab.stacks.summary` and
    the module's type name for :func:`cnnlab.inspection.summary` (the table
    keeps no torch weights alive); :attr:`kind` is the type name in both.
    """

    name: str
    layer: object
    output_shape: tuple
    params: int

    @property
    def kind(self):
        """The layer's type name, e.g. ``'Conv2D'`` or ``'Conv2d'``."""
        return self.layer if isinstance(self.layer, str) else type(self.layer).__name__


class LayerTable:
    """Layer, output shape and parameters per row, then the totals: Keras' ``model.summary()``.

    Read the numbers from ``rows``, ``total_params``, ``trainable_params`` and
    ``output_shape``; ``str()``/``repr()`` give the text table and
    ``_repr_html_`` an HTML one (a notebook shows it when the table is the last
    expression of a cell). Subclasses say how a shape reads (:meth:`shape_text`)
    and what comes first (:meth:`preamble`, :meth:`first_rows`).

    Examples
    --------
    >>> table = LayerTable((4,), [SummaryRow("dense", "Dense", (2,), 10)])
    >>> print(table)
    _________________________________________________________________
     Layer (type)                Output Shape              Param #
    =================================================================
     dense (Dense)               (2,)                      10
    =================================================================
    Total params: 10
    Trainable params: 10
    Non-trainable params: 0
    _________________________________________________________________
    """

    HEADER = ("Layer (type)", "Output Shape", "Param #")
    WIDTHS = (28, 26, 10)  # Keras' column widths; wider names widen the column

    def __init__(self, input_shape, rows, output_shape=None, total_params=None, trainable_params=None):
        self.input_shape = tuple(input_shape)
        self.rows = tuple(rows)
        self.output_shape = tuple(output_shape) if output_shape is not None else (
            self.rows[-1].output_shape if self.rows else self.input_shape)
        self.total_params = sum(row.params for row in self.rows) if total_params is None else total_params
        self.trainable_params = self.total_params if trainable_params is None else trainable_params

    def shape_text(self, shape):
        """How one output shape reads in the table."""
        return str(tuple(shape))

    def preamble(self):
        """Lines above the table (text only)."""
        return []

    def first_rows(self):
        """Rows before the layers' own, as cells (e.g. Keras' input row)."""
        return []

    def _body(self):
        return self.first_rows() + [(f"{row.name} ({row.kind})", self.shape_text(row.output_shape),
                                     f"{row.params:,}") for row in self.rows]

    def _totals(self):
        return [f"Total params: {self.total_params:,}",
                f"Trainable params: {self.trainable_params:,}",
                f"Non-trainable params: {self.total_params - self.trainable_params:,}"]

    def __str__(self):
        body = self._body()
        widths = [max([w] + [len(cells[i]) + 1 for cells in body]) for i, w in enumerate(self.WIDTHS)]
        width = 1 + sum(widths)

        def line(cells):
            return " " + "".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

        text = [*self.preamble(), "_" * width, line(self.HEADER), "=" * width]
        text += [line(cells) for cells in body]
        text += ["=" * width, *self._totals(), "_" * width]
        return "\n".join(text)

    __repr__ = __str__

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.HEADER)
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>"
                       for cells in self._body())
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
                f"<p>{'<br>'.join(html.escape(line) for line in self._totals())}</p>")
