"""The one place where the explorers reach into matplotlib's web canvas.

matplotlib's web backends (``FigureCanvasWebAggCore``, which ipympl's canvas
extends) send each redraw as a PNG of the pixels that changed since the last
one. Its ``get_diff_image`` keeps that state in three private attributes
(:data:`PRIVATE_ATTRIBUTES`) and encodes with PIL's default PNG settings,
which take several times longer than the redraw itself on a photo. The
explorers' blitting canvas therefore sends its own diff (:func:`diff_png`,
encoded by :func:`png_bytes`) and marks a new picture with
:func:`mark_picture_changed`, with the same three attributes. :func:`check_upstream`
fails loudly, naming the installed matplotlib, if they are gone;
``tests/test_widgets.py`` calls it.
"""

import struct
import zlib

import numpy as np

PRIVATE_ATTRIBUTES = ("_png_is_old", "_force_full", "_last_buff")
WRITTEN_FOR = "3.11.2"  # the matplotlib whose get_diff_image this mirrors


def check_upstream():
    """Raise a ``RuntimeError`` naming matplotlib's version if its web canvas lost an attribute used here.

    Examples
    --------
    >>> check_upstream()
    """
    import matplotlib
    from matplotlib.backends.backend_webagg_core import FigureCanvasWebAggCore
    from matplotlib.figure import Figure

    canvas = FigureCanvasWebAggCore(Figure(figsize=(1, 1)))
    missing = [name for name in PRIVATE_ATTRIBUTES if not hasattr(canvas, name)]
    if missing:
        raise RuntimeError(
            f"matplotlib {matplotlib.__version__}'s FigureCanvasWebAggCore has no {', '.join(missing)}: "
            f"cnnlab/widgets/_matplotlib_adapter.py mirrors get_diff_image of matplotlib {WRITTEN_FOR} and "
            "must be updated (the explorers' fast redraws depend on it)")


def mark_picture_changed(canvas):
    """Tell the web canvas that its picture changed, so that the next diff request sends it."""
    canvas._png_is_old = True


def diff_png(canvas):
    """The pixels that changed since the last call as PNG bytes (``None`` if nothing changed).

    What ``FigureCanvasWebAggCore.get_diff_image`` does, encoded by
    :func:`png_bytes`: a full picture the first time, after a resize, or
    while the figure has transparent pixels; otherwise the changed pixels on
    transparent black, which the front-end draws over the old picture.
    """
    if not canvas._png_is_old:
        return None
    buffer = np.asarray(canvas.get_renderer().buffer_rgba())
    pixels = buffer.view(np.uint32).squeeze(2)
    full = canvas._force_full or pixels.shape != canvas._last_buff.shape or (buffer[..., 3] != 255).any()
    canvas.set_image_mode("full" if full else "diff")
    output = pixels if full else np.where(pixels != canvas._last_buff, pixels, 0)
    canvas._last_buff, canvas._force_full, canvas._png_is_old = pixels.copy(), False, False
    return png_bytes(output.view(np.uint8).reshape(*output.shape, 4))


def png_bytes(rgba):
    """A fast PNG of an (H, W, 4) uint8 image: no row filters, zlib level 1 (bigger, but much faster to make).

    Redraws send the changed pixels as PNG; PIL's default (adaptive filters,
    level 6) takes several times longer on photos, and PIL offers no choice of filter.

    Examples
    --------
    >>> import io
    >>> from PIL import Image
    >>> rgba = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    >>> data = png_bytes(rgba)
    >>> data[1:4], bool((np.asarray(Image.open(io.BytesIO(data))) == rgba).all())
    (b'PNG', True)
    """
    height, width, _ = rgba.shape
    rows = np.zeros((height, 1 + 4 * width), dtype=np.uint8)  # each row: filter type 0, then the pixels
    rows[:, 1:] = rgba.reshape(height, -1)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, deflate, no filter, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows.tobytes(), 1))
            + chunk(b"IEND", b""))
