"""FeatureMapExplorer: what each layer of a torch model makes of an input, and its filters.

The feature maps come from :func:`cnnlab.inspection.activations`. Without a model
the explorer builds a small one whose first layer holds the lecture's edge
filters (Sobel x and y, Laplace, the vertical edge detector of the notes), so
that the first feature maps are edge maps a student can predict.
"""

import numpy as np

from .._backend import to_numpy
from ._base import Explorer
from ._inputs import downsample
from ._layout import SMALLEST_FIGURE_FONT, check_scale

GRID = 8  # feature maps shown at a time


def edge_filter_bank():
    """The lecture's edge filters as a (4, 1, 3, 3) weight array: Sobel x, Sobel y, Laplace, vertical edge.

    Examples
    --------
    >>> bank = edge_filter_bank()
    >>> bank.shape, bank[3, 0, 0].tolist()
    ((4, 1, 3, 3), [1.0, 0.0, -1.0])
    """
    from cnnlab import filters

    fx, fy = filters.sobel_kernels()
    bank = [fx, fy, filters.laplace_kernel(), filters.vertical_edge_kernel()]
    return np.stack([np.asarray(k, dtype=np.float32) for k in bank])[:, None]


def lecture_edge_model(seed=0):
    """conv(edge filters) -> ReLU -> max pool -> conv(4 -> 8, seeded) -> ReLU -> max pool.

    Examples
    --------
    >>> import torch
    >>> model = lecture_edge_model()
    >>> tuple(model(torch.zeros(1, 1, 32, 32)).shape)
    (1, 8, 8, 8)
    """
    import torch
    from torch import nn

    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, bias=False), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(edge_filter_bank()))
    return model.eval()


def _default_inputs():
    from cnnlab.datasets import draw_shape, sample_image

    return {
        "camera 64x64": lambda: downsample(sample_image("camera"), 64)[None],
        "coins 64x64": lambda: downsample(sample_image("coins"), 64)[None],
        "cross (synthetic)": lambda: np.asarray(draw_shape("cross", size=64, extent=31), dtype=float)[None],
    }


class FeatureMapExplorer(Explorer):
    """Feature maps per layer and channel of a torch model, and the filters behind them.

    Parameters
    ----------
    model : torch.nn.Module, optional
        Default :func:`lecture_edge_model`.
    x : array_like, shape (C, H, W) or (H, W), optional
        One input; default a choice of sample images.
    scale : float
        1 in a notebook; :data:`~cnnlab.widgets.LECTURE_SCALE` (``make demo``)
        enlarges text and figure for a lecture hall.

    Controls: ``input`` (when no ``x`` is given), ``layer`` (its values are
    the layer names of ``model.named_modules()``, its labels say what each
    layer is, e.g. ``'0 · Conv2d 1→4, 3×3'``), ``channel``.
    Read back: ``maps`` (layer name -> (C, H, W) array), ``feature_maps``
    (the chosen layer's), ``filters`` (the first conv layer's weights),
    ``filter`` (the chosen channel's filter, shown as a picture; None unless
    the chosen layer is a convolution: a ReLU or a pooling layer has none).

    Examples
    --------
    >>> explorer = FeatureMapExplorer()
    >>> explorer.layer.value, explorer.feature_maps.shape
    ('0', (4, 64, 64))
    """

    title = "Feature map explorer"

    def __init__(self, model=None, x=None, scale=1.0):
        import ipywidgets as W

        self.scale = check_scale(scale)
        self.model = lecture_edge_model() if model is None else model
        self.modules = dict(self.model.named_modules())  # layer name -> module
        self.inputs = _default_inputs() if x is None else {"given input": lambda: np.asarray(x, dtype=float)}
        self.input = W.Dropdown(options=list(self.inputs), description="input")
        self.layer = W.Dropdown(description="layer")
        self.channel = W.IntSlider(0, min=0, max=0, description="channel")
        self.info = W.HTML()
        self._syncing = False
        self.filters = self._first_conv_weights()
        self._build_figure()
        self._observe([self.input], self.update)
        self._observe([self.layer, self.channel], self._show_layer)
        self.update()
        self._freeze_layout()
        self._assemble([W.HBox([self.input, self.layer, self.channel])], [self.canvas, self.info])

    def _first_conv_weights(self):
        import torch

        conv = next((m for m in self.model.modules() if isinstance(m, torch.nn.Conv2d)), None)
        return None if conv is None else to_numpy(conv.weight)

    def number_tables(self):
        """The chosen channel's filter (a convolution's) and map, as numbers."""
        if not hasattr(self, "selected_map"):
            return []
        tables = [(f"feature map {self.channel.value}", self.selected_map)]
        return tables if self.filter is None else [(f"filter {self.channel.value}, first slice", self.filter[0]),
                                                  *tables]

    def _build_figure(self):
        from matplotlib.patches import Rectangle

        from cnnlab.plot import show_matrix

        self.figure = self._new_figure(10.5, 3.6)
        grid = self.figure.add_gridspec(2, 3 + GRID // 2, width_ratios=(1, 1, *[1] * (GRID // 2), 1.3))
        self.input_image = _fixed_image_axes(self.figure.add_subplot(grid[:, :2]), "gray")
        self.map_images, self.map_frames = [], []
        for index in range(GRID):
            ax = self.figure.add_subplot(grid[index // (GRID // 2), 2 + index % (GRID // 2)])
            self.map_images.append(_fixed_image_axes(ax, "viridis"))
            self.map_frames.append(ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False,
                                                          edgecolor="tab:red", linewidth=4, visible=False)))
        self.filter_art = show_matrix(np.zeros((3, 3)), self.figure.add_subplot(grid[:, -1]), cmap="RdBu_r",
                                      fmt=".2f", annotate=5, title="filter")

    def update(self):
        """Run the model on the chosen input; keep the chosen layer where possible."""
        from cnnlab.inspection import activations

        image = self.inputs[self.input.value]()
        self.x = image[None] if image.ndim == 2 else image
        self.maps = {name: out[0] for name, out in activations(self.model, self.x[None]).items()
                     if np.ndim(out) == 4}
        _show_map(self.input_image, self.x.mean(axis=0) if self.x.shape[0] == 3 else self.x[0])
        self.input_image.axes.set_title("input", fontsize=SMALLEST_FIGURE_FONT)
        keep = self.layer.value if self.layer.value in self.maps else None
        self._syncing = True  # the new options fire change events before the value is right
        self.layer.options = [(layer_label(name, self.modules[name]), name) for name in self.maps]
        self.layer.value = keep or next(iter(self.maps))
        self._syncing = False
        self._show_layer()

    def _show_layer(self):
        """Show the page of eight channels that holds ``channel``, framed in red, and its filter."""
        if self._syncing:
            return
        self.feature_maps = np.asarray(self.maps[self.layer.value])
        channels = self.feature_maps.shape[0]
        self.channel.max = channels - 1
        start = (min(self.channel.value, channels - 1) // GRID) * GRID
        for offset, (image, frame) in enumerate(zip(self.map_images, self.map_frames)):
            c = start + offset
            image.axes.set_visible(c < channels)
            frame.set_visible(c == self.channel.value)
            if c < channels:
                _show_map(image, self.feature_maps[c])
                image.axes.set_title(f"ch {c}", fontsize=SMALLEST_FIGURE_FONT)
        self.selected_map = self.feature_maps[self.channel.value]
        self.info.value = self._describe_filter()
        self.redraw()

    def _describe_filter(self):
        """Show the chosen channel's filter when the chosen layer is a convolution; describe the layer in words."""
        import torch

        name = self.layer.value
        module = self.modules[name]
        shape = "×".join(map(str, self.feature_maps.shape))
        text = f"layer <b>{layer_label(name, module)}</b>: {shape} maps"
        self.filter = None
        if isinstance(module, torch.nn.Conv2d):
            self.filter = to_numpy(module.weight)[self.channel.value]
            bound = float(np.abs(self.filter[0]).max()) or 1.0
            self.filter_art.set_data(self.filter[0], clim=(-bound, bound))
            inputs, kh, kw = self.filter.shape
            text += (f"; map {self.channel.value} is the layer's input correlated with a {inputs}×{kh}×{kw} filter"
                     + (f" (one {kh}×{kw} slice per input channel; the first is shown)" if inputs > 1 else ""))
        else:
            what = _WHAT_IT_DOES.get(type(module).__name__)
            text += f"; {what}: no filter of its own" if what else "; no filter of its own"
        self.filter_art.ax.set_visible(self.filter is not None)
        return text


_WHAT_IT_DOES = {
    "ReLU": "max(0, ·) of each map of the layer before",
    "MaxPool2d": "the largest value of each window of the layer before",
    "AvgPool2d": "the mean of each window of the layer before",
}


def layer_label(name, module):
    """What the layer picker shows for one layer: its name and what it is.

    Examples
    --------
    >>> from torch import nn
    >>> layer_label("0", nn.Conv2d(1, 4, 3)), layer_label("2", nn.MaxPool2d(2)), layer_label("1", nn.ReLU())
    ('0 · Conv2d 1→4, 3×3', '2 · MaxPool2d 2×2', '1 · ReLU')
    """
    kind = type(module).__name__
    if hasattr(module, "in_channels"):
        kh, kw = module.kernel_size
        return f"{name} · {kind} {module.in_channels}→{module.out_channels}, {kh}×{kw}"
    size = getattr(module, "kernel_size", None)
    if size is not None:
        kh, kw = (size, size) if isinstance(size, int) else size
        return f"{name} · {kind} {kh}×{kw}"
    return f"{name} · {kind}"


def _fixed_image_axes(ax, cmap):
    """An image in ``ax`` whose axes limits stay (0, 1) whatever the map size: new maps redraw by blitting."""
    image = ax.imshow(np.zeros((2, 2)), cmap=cmap, extent=(0, 1, 1, 0))
    ax.set_autoscale_on(False)
    ax.set_axis_off()
    return image


def _show_map(image, fmap):
    """Show the 2-D ``fmap`` in ``image``, scaled to its own range, filling the (0, 1) box of its axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> image = _fixed_image_axes(Figure().subplots(), "gray")
    >>> _show_map(image, np.arange(8.0).reshape(2, 4))
    >>> [float(v) for v in image.get_extent()], round(image.get_clim()[1], 6)
    ([0.0, 1.0, 0.5, 0.0], 7.0)
    """
    if np.array_equal(np.ma.getdata(image.get_array()), fmap):
        return  # the same map: nothing to redraw
    height, width = fmap.shape
    side = max(height, width)
    image.set_data(fmap)
    image.set_extent((0, width / side, height / side, 0))
    image.set_clim(float(fmap.min()), float(fmap.max()) + 1e-12)
