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

import math
import threading

import numpy as np

CHUNK_BYTES = 1 << 20  # im2col buffer per step: small enough to stay in the L2 cache
HELD_BYTES = 8 << 20  # work buffers up to this size are kept for the next call (per thread)

_held = threading.local()


def chunk_images(n_images, column_bytes):
    """How many images one step lays out: as many columns as ``CHUNK_BYTES`` holds, at least one image.

    ``column_bytes`` is the size of one image's im2col columns.

    Examples
    --------
    >>> chunk_images(64, CHUNK_BYTES // 3), chunk_images(8, 2 * CHUNK_BYTES)
    (3, 1)
    """
    return max(1, min(n_images, CHUNK_BYTES // column_bytes))


def band_rows(out_h, column_bytes, phase_bytes):
    """Output rows per step: all ``out_h``, or a band of them when one image's columns do not fit in ``CHUNK_BYTES``.

    ``column_bytes`` is the size of one image's im2col columns (``out_h``
    rows of output), ``phase_bytes`` that of its stride phases, which stay
    whole: a band holds ``CHUNK_BYTES`` of columns, and at least twice the
    phases, so that the work memory stays within 1.5 times the band's columns.

    Examples
    --------
    >>> band_rows(56, CHUNK_BYTES // 2, 0), band_rows(56, 8 * CHUNK_BYTES, 0), band_rows(56, 8 * CHUNK_BYTES, CHUNK_BYTES)
    (56, 7, 14)
    """
    if column_bytes <= CHUNK_BYTES:
        return out_h
    return min(out_h, max(1, -(-max(CHUNK_BYTES, 2 * phase_bytes) * out_h // column_bytes)))


def work_buffer(name, shape, dtype):
    """An uninitialised scratch array, kept for the next call on this thread under ``name``.

    Fresh memory costs a page fault per 4 KiB page the first time it is
    written, which on a small layer takes as long as the arithmetic; reusing
    one buffer per purpose pays that once. Buffers larger than ``HELD_BYTES``
    are not kept. Never return a work buffer (or a view of it) to the caller.

    Examples
    --------
    >>> a = work_buffer("example", (2, 3), np.float32)
    >>> b = work_buffer("example", (3, 2), np.float32)  # the same memory, another shape
    >>> b.shape, np.shares_memory(a, b)
    ((3, 2), True)
    >>> release_work_buffers()
    """
    size = math.prod(shape) * np.dtype(dtype).itemsize
    held = _held.__dict__
    buffer = held.get(name)
    if buffer is None or buffer.size < size:
        buffer = np.empty(size, dtype=np.uint8)
        if size <= HELD_BYTES:
            held[name] = buffer
    return buffer[:size].view(dtype).reshape(shape)


def release_work_buffers():
    """Free the work buffers this thread keeps (for memory measurements, or to give memory back)."""
    _held.__dict__.clear()


def flat_phases(x, pads, stride, out=None):
    """Zero-pad the batch and split it into stride phases, each flattened with a spare row.

    ``phases[a, c, n, ch]`` holds ``padded[n, ch, a::sh, c::sw]`` row by row;
    rows are ``ceil(W_padded / sw)`` long. The spare zero row lets the last tap
    read a full slice.

    Parameters
    ----------
    x : ndarray, shape (N, C, H, W)
    pads : ((top, bottom), (left, right))
    stride : (sh, sw)
    out : ndarray, optional
        Where to write the phases (shape ``(sh, sw, N, C, rows + 1, row)``,
        :func:`phase_shape`), already zero outside the image: only the image's
        pixels are written, so a work buffer zeroed once serves every chunk of
        a call. A new zero array if omitted.

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
    shape = phase_shape(x.shape, pads, stride)
    phases = np.zeros(shape, dtype=x.dtype) if out is None else out
    for a, c, source, (i, j) in phase_slices(pads, stride):
        part = x[source]
        phases[a, c, :, :, i:i + part.shape[2], j:j + part.shape[3]] = part
    return phases.reshape(shape[:4] + (-1,)), shape[-1]


def phase_shape(shape, pads, stride):
    """Shape ``(sh, sw, N, C, rows + 1, row)`` of the stride phases of an (N, C, H, W) input.

    Examples
    --------
    >>> phase_shape((1, 1, 3, 3), ((0, 0), (0, 0)), (2, 2))
    (2, 2, 1, 1, 3, 2)
    """
    (sh, sw), ((top, bottom), (left, right)) = stride, pads
    height, width = shape[2] + top + bottom, shape[3] + left + right
    return (sh, sw) + tuple(shape[:2]) + (-(-height // sh) + 1, -(-width // sw))


def unflatten_phases(dphases, shape, pads, stride, row, out=None):
    """The adjoint of :func:`flat_phases`: each input pixel's gradient from its phase.

    Gradients that fell on the padding are dropped. ``out``, if given, receives ``dx``.

    Examples
    --------
    >>> x = np.arange(1, 10.0).reshape(1, 1, 3, 3)
    >>> pads, stride = ((1, 0), (0, 1)), (2, 1)
    >>> phases, row = flat_phases(x, pads, stride)
    >>> bool((unflatten_phases(phases, x.shape, pads, stride, row) == x).all())
    True
    """
    grid = dphases.reshape(dphases.shape[:4] + (-1, row))
    dx = np.empty(shape, dtype=dphases.dtype) if out is None else out
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


def phase_taps(kernel, stride, dilation):
    """The kernel taps grouped by the stride phase they read, and the tap order that grouping gives.

    Taps ``(u, v)`` that read phase ``(a, c)`` (``u * dh % sh == a``, ``v * dw % sw == c``)
    are a regular grid ``us x vs``, and their slices start a fixed step apart,
    so that one strided view (:func:`tap_reads`) holds them all: the column
    matrix is filled with one copy per phase instead of one per tap.

    Returns
    -------
    blocks : list of (a, c, us, vs)
    order : list of int
        The taps ``u * kw + v`` in the order of the blocks (rows of the column matrix).

    Examples
    --------
    >>> blocks, order = phase_taps((3, 3), (2, 2), (1, 1))
    >>> [(a, c, us, vs) for a, c, us, vs in blocks][:2], order
    ([(0, 0, [0, 2], [0, 2]), (0, 1, [0, 2], [1])], [0, 2, 6, 8, 1, 7, 3, 5, 4])
    """
    (kh, kw), (sh, sw), (dh, dw) = kernel, stride, dilation
    blocks, order = [], []
    for a in range(sh):
        us = [u for u in range(kh) if u * dh % sh == a]
        for c in range(sw):
            vs = [v for v in range(kw) if v * dw % sw == c]
            if us and vs:
                blocks.append((a, c, us, vs))
                order += [u * kw + v for u in us for v in vs]
    return blocks, order


def tap_reads(phase, us, vs, stride, dilation, row, span, groups):
    """Read-only view ``(groups, C/groups, len(us), len(vs), N, span)`` of what taps ``us x vs`` read.

    ``phase`` is one flat stride phase ``(N, C, L)``; tap ``(u, v)`` reads
    ``phase[..., start:start + span]`` with ``start`` from :func:`tap_start`.
    The view never reaches past ``L``: its last element is the last tap's last entry.
    """
    (sh, sw), (dh, dw) = stride, dilation
    start = (us[0] * dh // sh) * row + vs[0] * dw // sw
    step_u = ((us[1] - us[0]) * dh // sh) * row if len(us) > 1 else 0
    step_v = (vs[1] - vs[0]) * dw // sw if len(vs) > 1 else 0
    n_images, channels = phase.shape[:2]
    source = phase.reshape(n_images, groups, channels // groups, -1)[..., start:]
    item = source.strides[-1]
    view = np.lib.stride_tricks.as_strided(
        source, shape=source.shape[:3] + (len(us), len(vs), span),
        strides=source.strides[:3] + (step_u * item, step_v * item, item), writeable=False)
    return view.transpose(1, 2, 3, 4, 0, 5)


def column_copies(taps, phases, blocks, stride, dilation, row, span):
    """``(destination, source)`` pairs that fill the column matrix ``taps`` (G, C/G, taps, N, band) from ``phases``.

    One pair per stride phase (:func:`phase_taps`), whatever the kernel size;
    the sources are ``span`` long (all output rows), the destinations ``band``
    (the output rows of one step: ``destination[..., :n] = source[..., start:start + n]``).
    The views stay valid as long as the two buffers: built once per call, they
    serve every chunk.
    """
    groups, group_channels, _, count, band = taps.shape
    copies, first = [], 0
    for a, c, us, vs in blocks:
        size = len(us) * len(vs)
        block = taps[:, :, first:first + size].reshape(groups, group_channels, len(us), len(vs), count, band,
                                                       copy=False)
        copies.append((block, tap_reads(phases[a, c], us, vs, stride, dilation, row, span, groups)))
        first += size
    return copies
