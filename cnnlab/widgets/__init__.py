"""Widget explorers: move a slider, see an idea of the lecture.

One explorer per module, each a class constructible with no arguments, with
``.widget`` to display (or just put the explorer last in a cell) and plain
attributes that tests and scripts can drive without a browser::

    from cnnlab.widgets import ConvExplorer
    explorer = ConvExplorer()
    explorer                      # shows itself in a notebook
    explorer.stride.value = 2     # what the slider does
    explorer.output_shape

Every explorer takes ``scale=`` (default 1): ``ConvExplorer(scale=LECTURE_SCALE)``
draws text and figure large enough for a lecture hall, as ``make demo`` does.

The classes load lazily, so that ``import cnnlab.widgets`` does not import
ipywidgets, matplotlib or torch.
"""

import importlib

from ._layout import LECTURE_SCALE, explorer_tabs

_EXPLORERS = {
    "ConvExplorer": "conv_explorer",
    "PaddingExplorer": "padding_explorer",
    "FilterExplorer": "filter_explorer",
    "PoolingExplorer": "pooling_explorer",
    "ReceptiveFieldExplorer": "receptive_field_explorer",
    "FeatureMapExplorer": "feature_map_explorer",
}

__all__ = [*_EXPLORERS, "LECTURE_SCALE", "explorer_tabs"]


def __getattr__(name):
    if name in _EXPLORERS:
        module = importlib.import_module(f".{_EXPLORERS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
