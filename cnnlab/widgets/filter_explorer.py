"""FilterExplorer: classic image filters on a real photo, gray or color.

Kernels come from :mod:`cnnlab.filters`; filtering is
:func:`cnnlab.filters.filter_channels` (one channel at a time, the notes'
recipe for color) or :func:`cnnlab.conv.conv2d` with a ``K x K x 3`` kernel
(all channels combined into one map, what a conv layer does).
"""

import functools

import numpy as np

from ._base import Explorer
from ._inputs import downsample, parse_kernel
from ._layout import check_scale

KERNELS = ("mean", "gaussian", "sobel x", "sobel y", "magnitude", "direction", "laplace", "sharpen", "custom")
IMAGES = ("camera", "astronaut", "coffee", "coins", "chelsea")


class FilterExplorer(Explorer):
    """Blur, sharpen and find edges in a scikit-image sample picture.

    Parameters
    ----------
    size : int
        The picture is downsampled so that its larger side is at most ``size``.
    scale : float
        1 in a notebook; :data:`~cnnlab.widgets.LECTURE_SCALE` (``make demo``)
        enlarges text and figure for a lecture hall.

    Controls: ``image``, ``color`` (keep the colors), ``kernel`` (one of
    ``KERNELS``), ``kernel_size`` (mean and Gaussian, 3..21), ``sigma``,
    ``custom`` (rows of numbers), ``color_mode`` ('per channel' or 'combined').
    Read back: ``image_array``, ``weights`` (the kernel, None for the
    gradient magnitude/direction), ``output``, ``error``.

    Examples
    --------
    >>> explorer = FilterExplorer(size=64)
    >>> explorer.kernel.value, explorer.weights.shape, explorer.output.shape
    ('mean', (3, 3), (64, 64))
    """

    title = "Filter explorer"

    def __init__(self, size=256, scale=1.0):
        import ipywidgets as W

        self.scale = check_scale(scale)
        self.size = size
        self.image = W.Dropdown(options=IMAGES, description="image")
        self.color = W.Checkbox(False, description="color")
        self.kernel = W.Dropdown(options=KERNELS, description="kernel")
        self.kernel_size = W.IntSlider(3, min=3, max=21, step=2, description="size")
        self.sigma = W.FloatSlider(1.0, min=0.3, max=6.0, step=0.1, description="sigma")
        self.custom = W.Textarea("0 -1 0\n-1 5 -1\n0 -1 0", description="custom", rows=3)
        self.color_mode = W.ToggleButtons(options=("per channel", "combined"), description="color filtering")
        self.info = W.HTML()
        self._build_figure()
        self._observe([self.image, self.color], self._load_image)
        self._observe([self.kernel, self.kernel_size, self.sigma, self.custom, self.color_mode], self.update)
        self._load_image()
        self._freeze_layout()
        self._assemble([W.HBox([self.image, self.color]), self.kernel, self.kernel_size, self.sigma, self.custom,
                        self.color_mode], [self.canvas, self.info])

    def number_tables(self):
        """The kernel, and the input and output pictures (their sizes and ranges), as numbers."""
        if getattr(self, "output", None) is None:
            return []
        kernel = [] if self.weights is None else [("kernel", self.weights)]
        return [*kernel, ("input", self.image_array), ("output", self.output)]

    def _build_figure(self):
        from cnnlab.plot import show_matrix

        self.figure = self._new_figure(9.5, 3.4)
        ax_in, ax_k, ax_out = self.figure.subplots(1, 3, width_ratios=(3, 1.5, 3))
        self.input_image = ax_in.imshow(np.zeros((2, 2, 4), dtype=np.uint8))
        self.output_image = ax_out.imshow(np.zeros((2, 2, 4), dtype=np.uint8))
        self.kernel_art = show_matrix(np.zeros((1, 1)), ax_k, cmap="RdBu_r", fmt=".2f", annotate=5, title="kernel")
        for ax, title in ((ax_in, "input"), (ax_out, "output")):
            ax.set_axis_off()
            ax.set_title(title)

    def _load_image(self):
        from cnnlab.datasets import sample_image

        self.image_array = downsample(sample_image(self.image.value, gray=not self.color.value), self.size)
        _show_rgba(self.input_image, self.image_array, "gray", 0.0, 1.0)
        self.color_mode.disabled = self.image_array.ndim == 2
        self.update()

    def _weights(self):
        """The chosen kernel, or None for the gradient magnitude and direction."""
        from cnnlab import filters

        name = self.kernel.value
        self.kernel_size.disabled = name not in ("mean", "gaussian")
        self.sigma.disabled = name != "gaussian"
        table = {
            "mean": lambda: filters.mean_kernel(self.kernel_size.value),
            "gaussian": lambda: filters.gaussian_kernel(self.kernel_size.value, self.sigma.value),
            "sobel x": lambda: filters.sobel_kernels()[0],
            "sobel y": lambda: filters.sobel_kernels()[1],
            "laplace": filters.laplace_kernel,
            "sharpen": filters.sharpen_kernel,
            "custom": lambda: parse_kernel(self.custom.value),
            "magnitude": lambda: None,
            "direction": lambda: None,
        }
        return table[name]()

    def _filter(self):
        """Filter ``image_array`` with the chosen kernel, per channel or combined."""
        from cnnlab import filters
        from cnnlab.conv import conv2d

        image, w = self.image_array, self.weights
        combined = image.ndim == 3 and self.color_mode.value == "combined"
        if w is None:
            gradient = filters.gradient_magnitude if self.kernel.value == "magnitude" else filters.gradient_direction
            if image.ndim == 2 or combined:  # a 3-D Sobel kernel over the channels = Sobel of their sum
                return gradient(image if image.ndim == 2 else image.sum(axis=-1))
            return np.stack([gradient(image[..., c]) for c in range(image.shape[-1])], axis=-1)
        if combined:
            x = image.transpose(2, 0, 1)[None]
            weights = np.repeat(np.asarray(w, dtype=float)[None, None], image.shape[-1], axis=1)
            return conv2d(x, weights, padding="same", padding_mode="symmetric")[0, 0]
        return filters.filter_channels(image, w)

    def update(self):
        """Recompute the output after a kernel or mode change and update the images in place."""
        try:
            self.weights = self._weights()
            with _one_blas_thread():  # one photo: a second BLAS thread mostly waits (and doubles the CPU time)
                self.output = self._filter()
        except (ValueError, TypeError) as err:
            self.error = str(err)
            self.info.value = f"<span style='color:#b00'>⚠ {self.error}</span>"
            return
        self.error = None
        cmap = "twilight" if self.kernel.value == "direction" else "gray"
        _show_rgba(self.output_image, self.output, cmap, float(self.output.min()), float(self.output.max()))
        kernel = np.zeros((1, 1)) if self.weights is None else self.weights
        bound = float(np.abs(kernel).max()) or 1.0
        self.kernel_art.set_data(kernel, clim=(-bound, bound))
        kernel_text = "Sobel x and y" if self.weights is None else f"kernel {kernel.shape[0]}×{kernel.shape[1]}"
        self.info.value = (f"{kernel_text}; output range [{self.output.min():.3g}, {self.output.max():.3g}], "
                           f"shape {self.output.shape}")
        self.redraw()


@functools.lru_cache(maxsize=1)
def _blas_controller():
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _one_blas_thread():
    """A context in which NumPy's BLAS uses one thread (threadpoolctl, a scikit-learn dependency)."""
    return _blas_controller().limit(limits=1, user_api="blas")


def _show_rgba(image, values, cmap, low, high):
    """Color ``values`` (gray (H, W) through ``cmap``, or color (H, W, 3)) between low and high as uint8 RGBA.

    Coloring once here, instead of at every draw, keeps redraws of big images fast.
    """
    from matplotlib import colormaps

    scaled = (values - low) / (high - low if high > low else 1.0)
    rgba = (colormaps[cmap](scaled, bytes=True) if scaled.ndim == 2 else
            np.dstack([np.round(np.clip(scaled, 0, 1) * 255).astype(np.uint8),
                       np.full(scaled.shape[:2], 255, np.uint8)]))
    image.set_data(rgba)
    image.set_extent((-0.5, rgba.shape[1] - 0.5, rgba.shape[0] - 0.5, -0.5))
