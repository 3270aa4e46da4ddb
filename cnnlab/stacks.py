"""What a stack of layer specs adds up to: Keras' ``model.summary()`` table and the receptive field.

:func:`summary` walks a list of :mod:`cnnlab.layers` specs from an input shape
and tabulates every layer's output shape and parameters (the tables of the
notes); :func:`receptive_field` says how much of the input one output unit sees.

Examples
--------
>>> from cnnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D
>>> summary([Conv2D(8, 3), MaxPooling2D(), Flatten(), Dense(10)], (28, 28, 1)).total_params
13610
>>> receptive_field([Conv2D(8, 3), MaxPooling2D(), Conv2D(8, 3)])
8
"""

from ._table import LayerTable, SummaryRow
from ._validate import describe
from .layers import Activation, Conv1D, Layer


# --- receptive_field(): what one output unit sees ---------------------------------------


def receptive_field(layers):
    """Size of the input window seen by one output unit of a stack of conv/pool layers.

    Each layer with kernel ``F``, dilation ``d`` adds ``d(F - 1)`` times the
    product ``J`` of the strides before it: ``r = 1 + sum d_l (F_l - 1) J_l``.

    Parameters
    ----------
    layers : sequence of layer specs
        :class:`Conv2D`, :class:`Conv1D`, pooling, :class:`DepthwiseConv2D`,
        :class:`SeparableConv2D` or :class:`Activation` (no effect).

    Returns
    -------
    int or (int, int)
        One number when the field is square (or the stack is 1-D), as the notes
        say "7x7" -> 7; ``(height, width)`` when the two differ.

    Examples
    --------
    >>> from cnnlab.layers import Conv2D, MaxPooling2D
    >>> receptive_field([Conv2D(64, 3)] * 3)
    7
    >>> receptive_field([Conv2D(1, 3, dilation_rate=2)])  # d(F-1)+1
    5
    >>> receptive_field([Conv2D(8, (1, 3)), MaxPooling2D(2)])
    (2, 4)
    """
    field, jump = [1, 1], [1, 1]
    one_dimensional = bool(layers) and all(isinstance(layer, (Conv1D, Activation))
                                           for layer in layers)
    for layer in layers:
        if isinstance(layer, Activation):
            continue
        if not hasattr(layer, "window"):
            raise TypeError(
                f"receptive_field needs conv or pooling layers, got {describe(layer)}; "
                "Flatten, Dense and global pooling see the whole input"
            )
        for axis, (kernel, stride, dilation) in enumerate(layer.window()):
            field[axis] += dilation * (kernel - 1) * jump[axis]
            jump[axis] *= stride
    if one_dimensional or field[0] == field[1]:
        return field[0]
    return tuple(field)


# --- summary(): the Keras-style table -------------------------------------------------------


class Summary(LayerTable):
    """The table ``model.summary()`` shows in Keras: layer, output shape, parameters, total.

    A :class:`~cnnlab._table.LayerTable` whose rows hold the specs
    (``row.layer``), with Keras' input row and ``(None, H, W, C)`` shapes.
    """

    def shape_text(self, shape):
        """Keras' shape: the batch axis as ``None`` first."""
        return "(" + ", ".join(["None"] + [str(size) for size in shape]) + ")"

    def preamble(self):
        """Keras' title line."""
        return ['Model: "sequential"']

    def first_rows(self):
        """Keras' input row."""
        return [("input (InputLayer)", self.shape_text(self.input_shape), "0")]


def summary(layers, input_shape):
    """Output shape and parameter count of every layer of a stack, as Keras' ``model.summary()``.

    Parameters
    ----------
    layers : sequence of layer specs
        :class:`Conv2D`, :class:`MaxPooling2D`, :class:`Flatten`, :class:`Dense`, ...
    input_shape : tuple of int
        Keras order without the batch axis: ``(H, W, C)`` for images, ``(L, C)``
        for sequences, e.g. ``(10, 10, 1)``.

    Returns
    -------
    Summary

    Examples
    --------
    >>> from cnnlab.layers import Conv2D
    >>> table = summary([Conv2D(5, 3), Conv2D(2, 3)], (10, 10, 1))
    >>> [(row.output_shape, row.params) for row in table.rows], table.total_params
    ([((8, 8, 5), 50), ((6, 6, 2), 92)], 142)
    >>> print(table)
    Model: "sequential"
    _________________________________________________________________
     Layer (type)                Output Shape              Param #
    =================================================================
     input (InputLayer)          (None, 10, 10, 1)         0
     conv2d (Conv2D)             (None, 8, 8, 5)           50
     conv2d_1 (Conv2D)           (None, 6, 6, 2)           92
    =================================================================
    Total params: 142
    Trainable params: 142
    Non-trainable params: 0
    _________________________________________________________________
    """
    shape = tuple(input_shape)
    rows, seen = [], {}
    for layer in layers:
        if not isinstance(layer, Layer):
            raise TypeError(
                f"layers must hold layer specs such as Conv2D(8, 3), got {describe(layer)}")
        count = seen.get(layer.keras_name, 0)
        seen[layer.keras_name] = count + 1
        name = layer.keras_name + (f"_{count}" if count else "")
        params = layer.params(shape)
        shape = layer.output_shape(shape)
        rows.append(SummaryRow(name, layer, shape, params))
    return Summary(input_shape, rows)


__all__ = ["receptive_field", "Summary", "SummaryRow", "summary"]
