"""cnnlab: every idea of the CNN lecture as a function you can call, read and re-implement.

``import cnnlab as cl`` gives the numerical core; widgets, models and plotting
live in their submodules (``cnnlab.widgets``, ``cnnlab.models``, ``cnnlab.plot``)
so that this import stays light (no torch, matplotlib or ipywidgets).
"""

from .padding import pad2d, resolve_padding

__version__ = "0.1.0"
