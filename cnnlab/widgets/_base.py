"""What every explorer shares: its figure (an ipympl canvas widget) and how it displays.

The figure is a :class:`matplotlib.figure.Figure` on an ipympl ``Canvas``, so
it is itself a widget; a control change updates the existing artists and
calls ``canvas.draw_idle()``, never builds a new figure.

Displaying an explorer gives a bundle with the live widget view *and* a PNG
(plus an ``<img>`` in text/html) of the figure as it is now. A notebook
executed headlessly (nbconvert, nbgrader) therefore keeps a static picture:
nbconvert's HTML exporter picks the widget view only when the notebook holds
the widget state, and otherwise falls back to the HTML/PNG; when the state is
stored, ipympl's canvas carries the same picture in its ``_data_url``.
"""

import base64
import io
import warnings


class Explorer:
    """Base class: subclasses build ``self.figure`` with :meth:`_new_figure` and ``self.widget``."""

    #: Title shown above the controls.
    title = "Explorer"

    def _new_figure(self, width, height):
        """A figure on an ipympl canvas (no pyplot, so it is never shown twice)."""
        from matplotlib.figure import Figure

        Canvas, FigureManager = _ipympl_classes()

        figure = Figure(figsize=(width, height), dpi=72, layout="constrained")
        canvas = Canvas(figure)
        canvas.header_visible = False
        canvas.footer_visible = False
        canvas.toolbar_visible = False
        canvas.resizable = False
        canvas.capture_scroll = False
        with warnings.catch_warnings():  # ipympl's toolbar trips a traitlets deprecation
            warnings.simplefilter("ignore", DeprecationWarning)
            self._manager = FigureManager(canvas, 0)
        return figure

    @property
    def canvas(self):
        """The figure's ipympl canvas widget."""
        return self.figure.canvas

    def _freeze_layout(self):
        """Lay the axes out once (constrained layout), then keep them fixed: redraws stay fast.

        Titles get a fixed height too (``y=1``), so matplotlib does not measure
        the axes again on every draw.
        """
        for ax in self.figure.axes:
            ax.set_title(ax.get_title(), y=1.0, fontsize=ax.title.get_fontsize())
        self.figure.get_layout_engine().execute(self.figure)
        self.figure.set_layout_engine("none")

    def redraw(self):
        """Ask the front-end for a redraw of the changed artists (returns at once)."""
        self.canvas.draw_idle()

    def render(self):
        """Draw the figure now with Agg (what the front-end's redraw request triggers)."""
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
        self.canvas._data_url = f"data:image/png;base64,{encoded}"
        bundle["image/png"] = encoded
        bundle["text/html"] = f'<img alt="{self.title}" src="data:image/png;base64,{encoded}"/>'
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self):
        return f"<{type(self).__name__}: display it in a notebook to explore>"


def _ipympl_classes():
    """ipympl's Canvas and FigureManager, without letting the import switch pyplot's backend.

    Importing ipympl makes it pyplot's backend; the explorers do not need
    that, and a student's later ``plt.plot`` should keep the backend they chose.
    """
    import matplotlib

    chosen = matplotlib.get_backend(auto_select=False)
    from ipympl.backend_nbagg import Canvas, FigureManager

    if chosen is not None and matplotlib.get_backend(auto_select=False) != chosen:
        matplotlib.use(chosen)
    return Canvas, FigureManager


def vbox_with_title(title, *children):
    """A VBox headed by a bold title.

    Examples
    --------
    >>> box = vbox_with_title("Demo")
    >>> box.children[0].value
    '<b>Demo</b>'
    """
    import ipywidgets as W

    return W.VBox([W.HTML(f"<b>{title}</b>"), *children])
