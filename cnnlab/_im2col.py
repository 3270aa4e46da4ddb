"""The flat stride-phase layout that the fast convolution and its backward read their im2col columns from.

The zero-padded input is split into ``sh * sw`` stride phases (phase ``(a, c)``
holds every ``sh``-th row from ``a`` and every ``sw``-th column from ``c``),
each stored flat with rows of length ``row``. Kernel tap ``(u, v)`` then reads
one contiguous slice of one phase for all output pixels, so building the
column matrix is a few long copies. :func:`flat_phases` builds the layout,
:func:`unflatten_phases` is its adjoint (gradients back to input pixels), and
:func:`tap_start` says where each tap reads. ``cnnlab.conv`` and
``cnnlab.backprop`` share these helpers.
"""

import numpy as np

CHUNK_BYTES = 1 << 20  # im2col buffer per step: small enough to stay in the L2 cache


def flat_phases(x, pads, stride):
    """Zero-pad the batch and split it into stride phases, each flattened with a spare row.

    ``phases[a, c, n, ch]`` holds ``padded[n, ch, a::sh, c::sw]`` row by row;
    rows are ``ceil(W_padded / sw)`` long. The spare zero row lets the last tap
    read a full slice.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    pads : ((top, bottom), (left, right))
    stride : (sh, sw)

    Returns
    -------
    phases : ndarray, shape (sh, sw, N, C, (rows + 1) * row)
    row : int

    Examples
    --------
    >>> x = np.arange(1, 10.0).reshape(1, 1, 3, 3)
    >>> phases, row = flat_phases(x, ((0, 0), (0, 0)), (2, 2))
    >>> row, phases[0, 0, 0, 0]  # rows 0 and 2, columns 0 and 2, then the spare row
    (2, array([1., 3., 7., 9., 0., 0.]))
    """
    (sh, sw), ((top, bottom), (left, right)) = stride, pads
    height, width = x.shape[2] + top + bottom, x.shape[3] + left + right
    rows, row = -(-height // sh), -(-width // sw)
    phases = np.zeros((sh, sw) + x.shape[:2] + (rows + 1, row), dtype=x.dtype)
    for a, c, source, (i, j) in phase_slices(pads, stride):
        part = x[source]
        phases[a, c, :, :, i:i + part.shape[2], j:j + part.shape[3]] = part
    return phases.reshape((sh, sw) + x.shape[:2] + (-1,)), row


def unflatten_phases(dphases, shape, pads, stride, row):
    """The adjoint of :func:`flat_phases`: each input pixel's gradient from its phase.

    Gradients that fell on the padding are dropped.

    Examples
    --------
    >>> x = np.arange(1, 10.0).reshape(1, 1, 3, 3)
    >>> pads, stride = ((1, 0), (0, 1)), (2, 1)
    >>> phases, row = flat_phases(x, pads, stride)
    >>> bool((unflatten_phases(phases, x.shape, pads, stride, row) == x).all())
    True
    """
    grid = dphases.reshape(dphases.shape[:4] + (-1, row))
    dx = np.empty(shape, dtype=dphases.dtype)
    for a, c, target, (i, j) in phase_slices(pads, stride):
        part = dx[target]
        part[...] = grid[a, c, :, :, i:i + part.shape[2], j:j + part.shape[3]]
    return dx


def phase_slices(pads, stride):
    """Where each stride phase of the padded input comes from, for :func:`flat_phases` and its adjoint.

    Yields ``(a, c, source, (i, j))``: phase ``(a, c)`` holds the input pixels
    ``x[source]`` (every s-th row and column from the first one that lands in
    it), starting at phase row ``i`` and column ``j`` (after the padding).

    Examples
    --------
    >>> [(a, c, (i, j)) for a, c, _, (i, j) in phase_slices(((1, 0), (0, 0)), (2, 1))]
    [(0, 0, (1, 0)), (1, 0, (0, 0))]
    """
    (sh, sw), ((top, _), (left, _)) = stride, pads
    for a in range(sh):
        first_row = (a - top) % sh  # first input row that lands in phase row a
        for c in range(sw):
            first_col = (c - left) % sw
            source = (slice(None), slice(None), slice(first_row, None, sh), slice(first_col, None, sw))
            yield a, c, source, ((top + first_row) // sh, (left + first_col) // sw)


def tap_start(u, v, stride, dilation, row):
    """Phase and flat offset ``(a, c, start)`` where kernel tap ``(u, v)`` starts reading.

    Examples
    --------
    >>> tap_start(1, 1, stride=(2, 2), dilation=(1, 1), row=2)  # phase (1, 1), first entry
    (1, 1, 0)
    >>> tap_start(2, 0, stride=(2, 2), dilation=(1, 1), row=2)  # phase (0, 0), one row down
    (0, 0, 2)
    """
    (sh, sw), (dh, dw) = stride, dilation
    return (u * dh % sh, v * dw % sw, (u * dh // sh) * row + v * dw // sw)
