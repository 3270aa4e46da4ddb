"""What every explorer shares: its figure (an ipympl canvas widget) and how it displays.

The figure is a :class:`matplotlib.figure.Figure` on an ipympl ``Canvas``, so
it is itself a widget; a control change updates the existing artists and
calls ``canvas.draw_idle()``, never builds a new figure.

Redraws blit: the canvas keeps the figure's static part (titles) as a
background and, while the layout stays the same, redraws only the axes whose
images or patches changed (see :func:`blitting_canvas_class`).

Every explorer lays itself out with :meth:`Explorer._assemble`: a title,
then its controls and its view (figure and readouts) side by side, the view
moving below the controls when the width is short, and the figure shrinking
to the width it gets; nothing is clipped and nothing scrolls sideways. Its
``scale`` (1 in a notebook, :data:`LECTURE_SCALE` in ``make demo``) enlarges
the widget text and the figure together, for a lecture hall; see
:mod:`cnnlab.widgets._layout`.

Displaying an explorer gives a bundle with the live widget view *and* a PNG
(plus an ``<img>`` in text/html) of the figure as it is now. A notebook
executed headlessly (nbconvert, nbgrader) therefore keeps a static picture:
nbconvert's HTML exporter picks the widget view only when the notebook holds
the widget state, and otherwise falls back to the HTML/PNG; when the state is
stored, ipympl's canvas carries the same picture (see :mod:`cnnlab.widgets._ipympl_adapter`).
"""

import base64
import functools
import io
import math
import warnings

from ._ipympl_adapter import ipympl_classes, set_static_picture
from ._keys import key_guard
from ._layout import FIGURE_DPI, SMALLEST_FIGURE_FONT, explorer_css, numbers_html
from ._matplotlib_adapter import diff_png, mark_picture_changed


class Explorer:
    """Base class: subclasses build ``self.figure`` with :meth:`_new_figure`, then call :meth:`_assemble`."""

    #: Title shown above the controls.
    title = "Explorer"

    #: 1 in a notebook; larger for a lecture hall (every explorer takes ``scale=`` and checks it).
    scale = 1.0

    _count = 0  # explorers made so far: each gets a CSS class of its own

    def _new_figure(self, width, height):
        """A figure on an ipympl canvas (no pyplot, so it is never shown twice), ``width x height`` inches at scale 1."""
        from matplotlib.figure import Figure

        _, FigureManager = ipympl_classes()

        figure = Figure(figsize=(width, height), dpi=FIGURE_DPI * self.scale, layout="constrained")
        canvas = blitting_canvas_class()(figure)
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_visible = False
        canvas.resizable = False
        canvas.capture_scroll = False
        with warnings.catch_warnings():  # ipympl's toolbar trips a traitlets deprecation
            warnings.simplefilter("ignore", DeprecationWarning)
            self._manager = FigureManager(canvas, 0)
        return figure

    def _assemble(self, controls, view):
        """Set ``self.widget``: the title, then ``controls`` and ``view`` side by side (wrapping), styled at ``scale``.

        ``controls`` and ``view`` are lists of widgets; the view holds the figure, and below it
        the ``show_numbers`` button that shows ``self.numbers``: the figure's numbers as tables
        (see :meth:`number_tables`), written only while shown. A
        key guard (:mod:`cnnlab.widgets._keys`) keeps the keys pressed inside from JupyterLab.
        """
        import ipywidgets as W

        Explorer._count += 1
        name = f"cnnlab-explorer-{Explorer._count}"
        width, height = self.figure.get_size_inches() * FIGURE_DPI * self.scale
        style = W.HTML(f"<style>{explorer_css(name, self.scale, (round(width), round(height)))}</style>",
                       layout=W.Layout(display="none"))
        self.numbers = W.HTML(layout=W.Layout(display="none"))
        self.show_numbers = W.ToggleButton(False, description="numbers as text", icon="table",
                                           tooltip="the figure's numbers, as tables a screen reader can read",
                                           layout=W.Layout(align_self="flex-start"))
        self.show_numbers.observe(lambda change: self._write_numbers(), names="value")
        body = W.Box([W.VBox(controls).add_class("cnnlab-controls"),
                      W.VBox([*view, self.show_numbers, self.numbers]).add_class("cnnlab-view")])
        self.widget = W.VBox([style, key_guard(), W.HTML(f"<b>{self.title}</b>").add_class("cnnlab-title"),
                              body.add_class("cnnlab-body")])
        self.widget.add_class("cnnlab-explorer").add_class(name)
        return self.widget

    @property
    def canvas(self):
        """The figure's ipympl canvas widget."""
        return self.figure.canvas

    def _freeze_layout(self):
        """Lay the axes out once (constrained layout), then keep them fixed: redraws stay fast.

        Titles get a fixed height too (``y=1``), so matplotlib does not measure
        the axes again on every draw, and at least :data:`SMALLEST_FIGURE_FONT`.
        """
        for ax in self.figure.axes:
            ax.set_title(ax.get_title(), y=1.0, fontsize=max(ax.title.get_fontsize(), SMALLEST_FIGURE_FONT))
        self.figure.get_layout_engine().execute(self.figure)
        self.figure.set_layout_engine("none")

    def redraw(self):
        """Ask the front-end for a redraw of the changed artists (returns at once); rewrite the number tables."""
        self._write_numbers()
        self.canvas.draw_idle()

    def number_tables(self):
        """``[(caption, 2-D array), ...]``: what the figure shows, as numbers (subclasses say what)."""
        return []

    def _write_numbers(self):
        """Fill ``self.numbers`` from :meth:`number_tables` while ``show_numbers`` is on; hide it otherwise."""
        toggle = getattr(self, "show_numbers", None)
        if toggle is None:
            return
        self.numbers.layout.display = None if toggle.value else "none"
        if toggle.value:
            html = numbers_html(self.number_tables())
            if self.numbers.value != html:
                self.numbers.value = html

    def render(self):
        """Draw the figure now, as the front-end's redraw request does: blitted where it can, then sent as a PNG diff."""
        self.figure.canvas.draw()

    def _observe(self, controls, handler):
        """Call ``handler`` (with no arguments) whenever one of ``controls`` changes value."""
        for control in controls:
            control.observe(lambda change: handler(), names="value")

    def png(self):
        """The figure as PNG bytes, as it looks now."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png")
        return buffer.getvalue()

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """Widget view for live notebooks, PNG/HTML picture for static exports."""
        bundle = dict(self.widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs) or {})
        encoded = base64.b64encode(self.png()).decode("ascii")
        set_static_picture(self.canvas, encoded)
        bundle["image/png"] = encoded
        bundle["text/html"] = f'<img alt="{self.title}" src="data:image/png;base64,{encoded}"/>'
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        return f"<{type(self).__name__}: display it in a notebook to explore>"


class OutputCells:
    """Mixin for explorers that walk through the cells of ``self.output`` with the ``self.cell`` slider."""

    @property
    def output_shape(self):
        """Shape of the output."""
        return tuple(self.output.shape)

    @property
    def current_cell(self):
        """(row, col) of the current output cell."""
        return divmod(self.cell.value, self.output.shape[1])

    def _fit_cell_slider(self):
        """Fit the cell slider to a new output and show the current cell (exactly once)."""
        before = self.cell.value
        self.cell.max = self.output.size - 1  # clamps the value; a change redraws through the observer
        if self.cell.value == before:
            self._show_cell()


#: Backgrounds (one per layout seen) a canvas keeps, newest last; each is the figure in RGBA (about 1 MB).
BACKGROUNDS_KEPT = 8


def changing_artists(ax):
    """The images and patches of ``ax`` in drawing order: what a control change updates.

    Everything else (titles, axis decorations) is static and lives in the
    blitting background.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> image = ax.imshow([[0, 1]])
    >>> changing_artists(ax) == [image]
    True
    """
    changing = {*ax.images, *ax.patches}
    return sorted((a for a in ax.get_children() if a in changing), key=lambda a: a.get_zorder())


def axes_key(ax):
    """What the static part of one axes depends on: visibility, place, limits and texts (its titles among them).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots()
    >>> before = axes_key(ax)
    >>> _ = ax.set_title("left", loc="left")
    >>> axes_key(ax) == before
    False
    """
    from matplotlib.text import Text

    texts = tuple((t.get_text(), t.get_color(), t.get_fontsize(), t.get_visible())
                  for t in ax.get_children() if isinstance(t, Text))
    return (ax.get_visible(), ax.axison, ax.get_position(original=True).bounds, ax.get_xlim(), ax.get_ylim(), texts)


def layout_key(figure):
    """What the static background depends on: size, dpi, and :func:`axes_key` of each axes.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure = Figure()
    >>> ax = figure.subplots()
    >>> before = layout_key(figure)
    >>> _ = ax.set_title("new")
    >>> layout_key(figure) == before
    False
    """
    return (tuple(figure.bbox.bounds), figure.dpi, tuple(axes_key(ax) for ax in figure.axes))


def _display_box(ax):
    """The axes' box in whole display pixels (origin bottom left), one more on each side (antialiased edges)."""
    from matplotlib.transforms import Bbox

    x0, y0, x1, y1 = ax.bbox.extents
    return Bbox.from_extents(math.floor(x0) - 1, math.floor(y0) - 1, math.ceil(x1) + 1, math.ceil(y1) + 1)


def _pixel_box(ax):
    """:func:`_display_box` with rows counted from the top, as Agg's saved regions are."""
    x0, y0, x1, y1 = _display_box(ax).extents
    height = ax.get_figure(root=True).bbox.height
    return (x0, math.floor(height - y1), x1, math.ceil(height - y0))


def _is_stale(ax):
    """Whether an image or patch of ``ax`` changed since it was drawn."""
    return any(a.stale for a in changing_artists(ax))


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@functools.lru_cache(maxsize=None)
def blitting_canvas_class():
    """ipympl's ``Canvas``, made to redraw only the axes whose images or patches changed.

    A draw (the front-end's redraw request, or :meth:`Explorer.render`)
    renders the whole figure only for a layout (:func:`layout_key`) not seen
    lately: the static part first, kept as that layout's background, then the
    changing artists on top. For a layout seen before it restores the kept
    background and draws the changing artists on it; for the same layout as
    the last draw it restores the background only under each changed axes and
    redraws that axes' images and patches, and unchanged axes keep their
    pixels. Every way gives the picture of a full draw, and the changed pixels
    are sent to the front-end as before (PNG diff).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> canvas = blitting_canvas_class()(Figure(figsize=(1, 1), dpi=20))
    >>> canvas.supports_blit, canvas.full_draws
    (True, 0)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    Canvas, _ = ipympl_classes()

    class BlittingCanvas(Canvas):
        supports_blit = True

        def __init__(self, figure, *args, **kwargs):
            super().__init__(figure, *args, **kwargs)
            self._backgrounds, self._layout_drawn, self._renderer_drawn = {}, None, None
            self.full_draws = 0

        def draw(self):
            """Redraw what changed (everything after a layout change) and send it to the front-end."""
            key = layout_key(self.figure)
            if self.get_renderer() is not self._renderer_drawn:  # new size or dpi: old backgrounds do not fit
                self._backgrounds, self._layout_drawn = {}, None
            if key == self._layout_drawn:
                self._draw_changed_axes()
            elif key in self._backgrounds:
                self._draw_on_background(key)
            else:
                self.draw_full()
            mark_picture_changed(self)
            self.manager.refresh_all()

        def draw_full(self):
            """Render the static part, keep it as the background of this layout, then draw the changing artists."""
            for ax in self.figure.axes:
                for artist in changing_artists(ax):
                    artist.set_animated(True)  # left out of figure.draw, except when saving
            FigureCanvasAgg.draw(self)
            key = layout_key(self.figure)
            self._backgrounds.pop(key, None)
            self._backgrounds[key] = self.copy_from_bbox(self.figure.bbox)
            while len(self._backgrounds) > BACKGROUNDS_KEPT:
                del self._backgrounds[next(iter(self._backgrounds))]  # the oldest
            self._draw_all_axes(key)
            self.full_draws += 1

        def _draw_on_background(self, key):
            """A layout seen before: restore its kept background and draw the changing artists on it.

            Axes whose place, limits, titles and artists did not change keep
            their pixels (saved before the restore, put back after it).
            """
            self._backgrounds[key] = self._backgrounds.pop(key)  # now the newest
            for ax in self.figure.axes:
                ax.apply_aspect()  # what figure.draw would do first: place the axes for its limits
            kept = self._unchanged_axes(key)
            saved = [self.copy_from_bbox(_display_box(ax)) for ax in kept]
            self.restore_region(self._backgrounds[key])
            for region in saved:
                self.restore_region(region)
            self._draw_all_axes(key, skip=kept)

        def _unchanged_axes(self, key):
            """Visible axes with the same static part as in the last draw, no changed artist, and no changed neighbor."""
            previous = self._layout_drawn
            if previous is None or previous[:2] != key[:2] or len(previous[2]) != len(key[2]):
                return []
            boxes = {ax: _pixel_box(ax) for ax in self.figure.axes if ax.get_visible()}
            same = [ax for ax, old, new in zip(self.figure.axes, previous[2], key[2])
                    if ax in boxes and old == new and not _is_stale(ax)]
            redrawn = [ax for ax in boxes if ax not in same]
            return [ax for ax in same if not any(_overlap(boxes[ax], boxes[other]) for other in redrawn)]

        def _draw_all_axes(self, key, skip=()):
            for ax in self.figure.axes:
                if ax.get_visible() and ax not in skip:
                    self._draw_artists(ax)
            self._layout_drawn, self._renderer_drawn = key, self.get_renderer()

        def _draw_changed_axes(self):
            boxes = {ax: _pixel_box(ax) for ax in self.figure.axes if ax.get_visible()}
            changed = [ax for ax in boxes if _is_stale(ax)]
            changed += [ax for ax in boxes if ax not in changed and any(  # restoring a neighbor's box erases it
                _overlap(boxes[ax], boxes[other]) for other in changed)]
            background = self._backgrounds[self._layout_drawn]
            for ax in changed:
                self.restore_region(background, bbox=boxes[ax], xy=(0, 0))  # xy: where the region's corner goes
            for ax in changed:
                self._draw_artists(ax)

        def get_diff_image(self):
            """The changed pixels as PNG, as matplotlib's web backend sends them, but encoded faster."""
            return diff_png(self)

        def _draw_artists(self, ax):
            for artist in changing_artists(ax):
                ax.draw_artist(artist)
                artist.stale = False  # invisible patches skip drawing but are up to date

    return BlittingCanvas
