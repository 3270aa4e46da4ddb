"""FeatureMapExplorer: what each layer of a torch model makes of an input, and its filters.

The feature maps come from :func:`cnnlab.models.activations`. Without a model
the explorer builds a small one whose first layer holds the lecture's edge
filters (Sobel x and y, Laplace, the vertical edge detector of the notes), so
that the first feature maps are edge maps a student can predict.
"""

import numpy as np

from ._base import Explorer, vbox_with_title
from ._inputs import downsample

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

    Controls: ``input`` (when no ``x`` is given), ``layer``, ``channel``.
    Read back: ``maps`` (layer name -> (C, H, W) array), ``feature_maps``
    (the chosen layer's), ``filters`` (the first conv layer's weights),
    ``filter`` (the chosen channel's filter, shown as a picture; None when no
    conv layer precedes the chosen layer).

    Examples
    --------
    >>> explorer = FeatureMapExplorer()
    >>> explorer.layer.value, explorer.feature_maps.shape
    ('0', (4, 64, 64))
    """

    title = "Feature map explorer"

    def __init__(self, model=None, x=None):
        import ipywidgets as W

        self.model = lecture_edge_model() if model is None else model
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
        controls = W.HBox([self.input, self.layer, self.channel])
        self.widget = vbox_with_title(self.title, controls, self.canvas, self.info)

    def _first_conv_weights(self):
        conv = next(iter(self._convs_up_to(None)), None)
        return None if conv is None else conv.weight.detach().cpu().numpy()

    def _convs_up_to(self, name):
        """The Conv2d layers in order, up to and including layer ``name`` (all when None)."""
        import torch

        convs = []
        for layer_name, module in self.model.named_modules():
            if isinstance(module, torch.nn.Conv2d):
                convs.append(module)
            if layer_name == name:
                break
        return convs

    def _build_figure(self):
        from matplotlib.patches import Rectangle

        from cnnlab.plot import show_matrix

        self.figure = self._new_figure(12, 3.6)
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
        from cnnlab.models import activations

        image = self.inputs[self.input.value]()
        self.x = image[None] if image.ndim == 2 else image
        self.maps = {name: out[0] for name, out in activations(self.model, self.x[None]).items()
                     if np.ndim(out) == 4}
        _show_map(self.input_image, self.x.mean(axis=0) if self.x.shape[0] == 3 else self.x[0])
        self.input_image.axes.set_title("input", fontsize=9)
        keep = self.layer.value if self.layer.value in self.maps else None
        self._syncing = True  # the new options fire change events before the value is right
        self.layer.options = list(self.maps)
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
                image.axes.set_title(f"ch {c}", fontsize=8)
        self.selected_map = self.feature_maps[self.channel.value]
        self.info.value = self._describe_filter()
        self.redraw()

    def _describe_filter(self):
        """Show the filter behind the chosen channel (of the last conv layer up to here); describe it in words."""
        name = self.layer.value
        shape = "×".join(map(str, self.feature_maps.shape))
        text = f"layer <b>{name}</b> ({type(dict(self.model.named_modules())[name]).__name__}), maps {shape}"
        convs = self._convs_up_to(name)
        self.filter = None
        if convs and self.channel.value < convs[-1].out_channels:
            self.filter = convs[-1].weight.detach().cpu().numpy()[self.channel.value]
            bound = float(np.abs(self.filter[0]).max()) or 1.0
            self.filter_art.set_data(self.filter[0], clim=(-bound, bound))
            text += (f"; the filter of channel {self.channel.value} has {self.filter.shape[0]} input channel(s), "
                     "the first is shown")
        self.filter_art.ax.set_visible(self.filter is not None)
        return text


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
