"""Plotting helpers: matrices with their numbers, images, kernels and feature maps.

Every helper draws into a matplotlib ``Axes`` (yours, or a new figure) and
returns what it drew, so that a notebook or a widget can update the artists
later instead of drawing again. Nothing here calls ``plt.show()``: in a
notebook the figure shows itself at the end of the cell. matplotlib is
imported inside the functions, so ``import cnnlab`` stays light.
"""

import functools

import numpy as np

from ._backend import to_numpy
from ._validate import as_float_array, check_int, check_ndim, describe

ANNOTATE_LIMIT = 12  #: Largest matrix side that still gets its numbers written into the cells.
CELL_PIXELS = 40  #: Pixels per cell in the image that carries a matrix's numbers.


def _new_axes(ncols=1, nrows=1, size=3.0):
    """A new pyplot figure with ``nrows x ncols`` axes (a flat array)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False)
    return fig, axes.ravel()


def format_number(value, fmt=".3g"):
    """A number as every figure, formula and number table labels it: integers bare, else ``fmt``; NaN as ``""``.

    Examples
    --------
    >>> format_number(3.0), format_number(0.123456), format_number(2e6), format_number(np.nan)
    ('3', '0.123', '2e+06', '')
    """
    if np.isnan(value):
        return ""
    if float(value).is_integer() and abs(value) < 1e6:
        return str(int(value))
    return format(value, fmt)


def _check_window(window, shape):
    """Validate ``window`` = (top, left, height, width), a boolean mask, or None."""
    if window is None:
        return None
    if isinstance(window, np.ndarray) and window.dtype == bool:
        if window.shape != tuple(shape):
            raise ValueError(f"window mask must have the matrix's shape {tuple(shape)}, got {describe(window)}")
        return window
    if not isinstance(window, (tuple, list)) or len(window) != 4:
        raise TypeError(
            "window must be (top, left, height, width), a boolean mask of the matrix's shape, "
            f"or None; got {describe(window)}"
        )
    top, left = (check_int(v, "window", minimum=None) for v in window[:2])
    height, width = (check_int(v, "window", minimum=1) for v in window[2:])
    return (top, left, height, width)


@functools.lru_cache(maxsize=4096)
def _glyph_bitmap(text):
    """Antialiased coverage (uint8) of ``text`` in DejaVu Sans, shrunk to fit one cell; cached."""
    from matplotlib.font_manager import FontProperties, findfont, get_font
    from matplotlib.ft2font import LoadFlags

    font = get_font(findfont(FontProperties(family="DejaVu Sans")))
    size = 14.0
    for _ in range(2):  # second pass: shrink long numbers to the cell width
        font.clear()
        font.set_size(size, 72)
        font.set_text(text, 0.0, flags=LoadFlags.DEFAULT)
        font.draw_glyphs_to_bitmap(antialiased=True)
        bitmap = np.asarray(font.get_image()).copy()
        if bitmap.shape[1] <= CELL_PIXELS - 4:
            return bitmap
        size *= (CELL_PIXELS - 4) / bitmap.shape[1]
    return bitmap[:CELL_PIXELS, :CELL_PIXELS]


class MatrixArtist:
    """The artists of one :func:`show_matrix` drawing, updatable in place.

    Attributes
    ----------
    ax : matplotlib.axes.Axes
    image : matplotlib.image.AxesImage
        The colored cells.
    numbers : matplotlib.image.AxesImage
        The cells' numbers, drawn as one image (glyph bitmaps are cached), so
        that a redraw costs one image instead of one text artist per cell.
    labels : list of str
        The numbers as written, row by row (empty when not annotated).
    highlight : matplotlib.patches.Rectangle
        The window frame (hidden when there is no rectangular window).
    overlay : matplotlib.image.AxesImage
        Colors the cells of a boolean window mask (e.g. a dilated kernel's taps).
    """

    def __init__(self, ax, a, cmap, fmt, annotate, color):
        from matplotlib.patches import Rectangle

        import matplotlib

        self.ax, self.fmt, self.annotate = ax, fmt, annotate
        cmap = matplotlib.colormaps[cmap].with_extremes(bad="#eeeeee")  # NaN cells: light gray
        self.image = ax.imshow(a, cmap=cmap, interpolation="nearest")
        self.overlay = ax.imshow(np.zeros(a.shape + (4,)), interpolation="nearest", visible=False)
        self.numbers = ax.imshow(np.zeros((1, 1, 4), dtype=np.uint8), interpolation="antialiased")
        self.highlight = Rectangle((-0.5, -0.5), 1, 1, fill=False, edgecolor=color, linewidth=3, visible=False)
        ax.add_patch(self.highlight)
        self.color = color
        ax.set_axis_off()  # no ticks, no frame: less to draw on every update
        self.set_data(a)

    def set_data(self, a, clim=None):
        """Show the matrix ``a`` (its shape may change); NaN cells show light gray."""
        a = np.asarray(a, dtype=float)
        finite = a[np.isfinite(a)]
        low, high = clim if clim is not None else (
            (finite.min(), finite.max()) if finite.size else (0.0, 1.0))
        clim = (low, high if high > low else low + 1)
        previous = getattr(self, "data", np.zeros(0))
        if a.shape == previous.shape and np.array_equal(a, previous, equal_nan=True) and clim == self.image.get_clim():
            return  # the same picture: nothing to redraw
        self.image.set_data(a)
        if a.shape != previous.shape:  # same shape: extents and limits stay
            self._set_extent(*a.shape)
        self.image.set_clim(*clim)
        self._write_numbers(a)
        self.data = a

    def _set_extent(self, height, width):
        """Cells centered on integer coordinates, row 0 at the top."""
        extent = (-0.5, width - 0.5, height - 0.5, -0.5)
        for image in (self.image, self.overlay, self.numbers):
            image.set_extent(extent)
        self.ax.set_xlim(-0.5, width - 0.5)
        self.ax.set_ylim(height - 0.5, -0.5)

    def _write_numbers(self, a):
        """Paint each cell's number (black on light cells, white on dark) into the number image."""
        limit = ANNOTATE_LIMIT if self.annotate is True else int(self.annotate)
        wanted = max(a.shape) <= limit
        self.labels = [format_number(v, self.fmt) for v in a.ravel()] if wanted else []
        self.numbers.set_visible(wanted)
        if not wanted:
            return
        height, width = a.shape
        rgba = np.zeros((height * CELL_PIXELS, width * CELL_PIXELS, 4), dtype=np.uint8)
        dark = self._dark_cells(a).ravel()
        for index, label in enumerate(self.labels):
            if not label:  # NaN cells stay empty
                continue
            row, col = divmod(index, width)
            glyphs = _glyph_bitmap(label)
            top = row * CELL_PIXELS + (CELL_PIXELS - glyphs.shape[0]) // 2
            left = col * CELL_PIXELS + (CELL_PIXELS - glyphs.shape[1]) // 2
            block = rgba[top:top + glyphs.shape[0], left:left + glyphs.shape[1]]
            block[..., :3] = 255 if dark[index] else 0
            block[..., 3] = glyphs
        self.numbers.set_data(rgba)

    def _dark_cells(self, a):
        """True where a cell's color is dark (its number is written in white); NaN cells count as light."""
        red, green, blue, _ = np.moveaxis(self.image.cmap(self.image.norm(a)), -1, 0)
        return np.isfinite(a) & (0.299 * red + 0.587 * green + 0.114 * blue <= 0.5)

    def set_window(self, window):
        """Frame ``(top, left, height, width)``, or a boolean mask's cells and their bounding box, or clear (None)."""
        window = _check_window(window, self.data.shape)
        self.mark(window if isinstance(window, np.ndarray) else None)
        if isinstance(window, np.ndarray):
            rows, cols = np.nonzero(window) if window.any() else ([0], [0])
            window = (int(min(rows)), int(min(cols)), int(max(rows) - min(rows) + 1), int(max(cols) - min(cols) + 1))
        if window != getattr(self, "window", ()):  # an unchanged frame is left alone: no redraw
            self._frame(window)
        self.window = window

    def _frame(self, window):
        self.highlight.set_visible(window is not None)
        if window is not None:
            top, left, height, width = window
            self.highlight.set_xy((left - 0.5, top - 0.5))
            self.highlight.set_width(width)
            self.highlight.set_height(height)

    def mark(self, mask):
        """Color the cells where the boolean ``mask`` is True (None clears)."""
        mask = None if mask is None else np.asarray(mask, dtype=bool)
        previous = getattr(self, "_mask", None)
        if (mask is None and previous is None) or (
                mask is not None and previous is not None and np.array_equal(mask, previous)):
            return  # the same cells: nothing to redraw
        self._mask = mask
        self.overlay.set_visible(mask is not None)
        if mask is not None:
            rgba = np.zeros(self.data.shape + (4,))
            rgba[mask] = (1.0, 0.55, 0.0, 0.5)
            self.overlay.set_data(rgba)


def show_matrix(a, ax=None, window=None, *, title=None, cmap="Blues", fmt=".2g", annotate=True,
                color="tab:red", clim=None):
    """Draw a 2-D array as a grid of colored cells with its numbers, and an optional window.

    Parameters
    ----------
    a : array_like, shape (H, W)
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure when None.
    window : (top, left, height, width) or bool array of shape (H, W), optional
        The window to frame (e.g. the input pixels under the kernel); a
        boolean mask colors exactly its cells (a dilated kernel's taps).
    title : str, optional
    cmap : str
        matplotlib colormap name.
    fmt : str
        Format for non-integer numbers; integers print as integers.
    annotate : bool or int
        Write the numbers into the cells when both sides are at most
        ``ANNOTATE_LIMIT`` (True) or at most this many (an int), so that big
        images stay fast and readable; False never writes them.
    color : str
        Color of the window frame.
    clim : (low, high), optional
        Color limits; default the finite min and max.

    Returns
    -------
    MatrixArtist
        Holds ``image``, ``numbers`` (and the ``labels`` written), and
        ``highlight``; call ``set_data`` and ``set_window`` on it to update
        the drawing in place.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> art = show_matrix([[3, 1], [6, 0]], window=(0, 0, 1, 2))
    >>> art.labels
    ['3', '1', '6', '0']
    >>> art.highlight.get_xy(), art.highlight.get_width()
    ((-0.5, -0.5), 2)
    """
    a = as_float_array(a, "a")
    check_ndim(a, "a", (2,), "(H, W)")
    if ax is None:
        ax = _new_axes()[1][0]
    art = MatrixArtist(ax, np.asarray(a, dtype=float), cmap, fmt, annotate, color)
    if clim is not None:
        art.set_data(a, clim=clim)
    art.set_window(window)
    if title is not None:
        ax.set_title(title)
    return art


def _as_image_list(images, name):
    """A list of 2-D (H, W) or color (H, W, 3) float arrays."""
    if isinstance(images, np.ndarray):
        is_one_image = images.ndim == 2 or (images.ndim == 3 and images.shape[-1] == 3)
        images = [images] if is_one_image else list(images)
    checked = []
    for image in images:
        image = np.asarray(to_numpy(as_float_array(image, name)), dtype=float)
        if not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] in (3, 4))):
            raise ValueError(f"{name} must hold (H, W) or (H, W, 3) images, got {describe(image)}")
        checked.append(image)
    return checked


def _grid(count, ncols, size):
    """A pyplot figure with enough axes for ``count`` panels; unused ones switched off."""
    ncols = max(1, min(check_int(ncols, "ncols", minimum=1), count))
    nrows = -(-count // ncols)
    fig, axes = _new_axes(ncols, nrows, size)
    for ax in axes[count:]:
        ax.set_axis_off()
    return fig, axes


def show_images(images, titles=None, *, ncols=4, cmap="gray", size=3.0):
    """Show images side by side (gray (H, W) or color (H, W, 3), values in any range).

    Parameters
    ----------
    images : sequence of arrays, or an array of shape (N, H, W)
    titles : sequence of str, optional
    ncols : int
        Panels per row.
    cmap : str
        Colormap for gray images.
    size : float
        Inches per panel.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = show_images([np.eye(4), np.ones((4, 4, 3)) / 2], titles=["eye", "gray"])
    >>> [ax.get_title() for ax in fig.axes]
    ['eye', 'gray']
    """
    images = _as_image_list(images, "images")
    titles = list(titles) if titles is not None else [None] * len(images)
    if len(titles) != len(images):
        raise ValueError(f"titles must have one entry per image ({len(images)}), got {len(titles)}")
    fig, axes = _grid(len(images), ncols, size)
    for ax, image, title in zip(axes, images, titles):
        ax.imshow(np.clip(image, 0, 1) if image.ndim == 3 else image, cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        if title is not None:
            ax.set_title(title)
    return fig


def show_kernels(kernels, titles=None, *, ncols=4, cmap="RdBu_r", size=2.5):
    """Show filters as annotated grids with a diverging colormap centered on zero.

    Parameters
    ----------
    kernels : sequence of (kh, kw) arrays, or an array of shape (K, kh, kw) or (K, C, kh, kw)
        For (K, C, kh, kw) weights the first input channel of each filter is shown.
    titles : sequence of str, optional
    ncols, cmap, size
        As in :func:`show_images`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = show_kernels([[[1, 0, -1]] * 3, [[1, 1, 1], [0, 0, 0], [-1, -1, -1]]])
    >>> len(fig.axes), fig.axes[0].get_title()
    (2, '')
    """
    kernels = np.asarray(as_float_array(kernels, "kernels"), dtype=float)
    if kernels.ndim == 2:
        kernels = kernels[None]
    if kernels.ndim == 4:
        kernels = kernels[:, 0]
    check_ndim(kernels, "kernels", (3,), "(K, kh, kw)")
    titles = list(titles) if titles is not None else [None] * len(kernels)
    fig, axes = _grid(len(kernels), ncols, size)
    for ax, kernel, title in zip(axes, kernels, titles):
        bound = float(np.abs(kernel).max()) or 1.0
        show_matrix(kernel, ax, title=title, cmap=cmap, clim=(-bound, bound))
    return fig


def show_feature_maps(maps, *, ncols=8, cmap="viridis", size=1.6, titles=None):
    """Show the channels of a feature map, one panel each.

    Parameters
    ----------
    maps : array_like or torch.Tensor, shape (C, H, W) or (1, C, H, W)
    ncols, cmap, size
        As in :func:`show_images`.
    titles : sequence of str, optional
        Default ``'channel c'``.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig = show_feature_maps(np.zeros((1, 3, 5, 5)))
    >>> [ax.get_title() for ax in fig.axes]
    ['channel 0', 'channel 1', 'channel 2']
    """
    maps = to_numpy(as_float_array(maps, "maps"))
    if maps.ndim == 4 and maps.shape[0] == 1:
        maps = maps[0]
    check_ndim(maps, "maps", (3,), "(C, H, W) or (1, C, H, W)")
    titles = list(titles) if titles is not None else [f"channel {c}" for c in range(len(maps))]
    fig, axes = _grid(len(maps), ncols, size)
    for ax, fmap, title in zip(axes, maps, titles):
        ax.imshow(fmap, cmap=cmap)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title, fontsize=8)
    return fig


__all__ = ["show_matrix", "show_images", "show_kernels", "show_feature_maps", "MatrixArtist", "format_number"]
