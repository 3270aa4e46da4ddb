"""How an explorer looks: its layout and style sheet at a scale, the demo's tabs, its numbers as text.

An explorer is a title, then its controls and its view (figure and
readouts). :func:`explorer_css` writes the style sheet that lays them out:
side by side, wrapping when the width is short, the figure shrinking to the
width it gets, labels and buttons as wide as their words; nothing is clipped
and nothing scrolls sideways. ``scale`` multiplies ipywidgets' sizes and the
figure's dots per inch together: 1 in a notebook, :data:`LECTURE_SCALE` for a
projector (``make demo``).
"""

#: Figure pixels per inch at scale 1: a font of n points is n CSS pixels high.
FIGURE_DPI = 72

#: The scale of ``make demo``: widget text 13 x 1.6 = 21 px and figure text at least 18 px,
#: with every figure still fitting a 1280 px wide projector.
LECTURE_SCALE = 1.6

#: The smallest font (points) an explorer's figure uses: at LECTURE_SCALE, 11.25 x 1.6 = 18 px.
SMALLEST_FIGURE_FONT = 11.25

#: ipywidgets' sizes (CSS pixels at scale 1) that an explorer's scale multiplies.
WIDGET_SIZES = {
    "--jp-widgets-font-size": 13, "--jp-ui-font-size1": 13, "--jp-code-font-size": 13,
    "--jp-widgets-inline-height": 28, "--jp-widgets-inline-label-width": 96, "--jp-widgets-inline-width": 320,
    "--jp-widgets-inline-margin": 4, "--jp-widgets-margin": 2, "--jp-widgets-input-padding": 4,
    "--jp-widgets-slider-handle-size": 16, "--jp-widgets-slider-track-thickness": 4,
}

SMALLEST_SCALE, LARGEST_SCALE = 0.5, 4.0

#: In a notebook (scale 1) the figure stays beside the controls while it keeps this share of its width,
#: else it goes below them; a larger scale (a lecture hall) keeps the whole figure beside or below.
VIEW_SHRINK = 0.7


def check_scale(scale):
    """``scale`` as a float, or a ``ValueError`` that says what an explorer's scale may be.

    Examples
    --------
    >>> check_scale(2)
    2.0
    >>> check_scale(0)
    Traceback (most recent call last):
    ...
    ValueError: scale must be a number from 0.5 to 4 (1 in a notebook, 1.6 for a lecture hall), got 0
    """
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (
            SMALLEST_SCALE <= scale <= LARGEST_SCALE):
        raise ValueError(f"scale must be a number from {SMALLEST_SCALE:g} to {LARGEST_SCALE:g} (1 in a notebook, "
                         f"{LECTURE_SCALE:g} for a lecture hall), got {scale!r}")
    return float(scale)


def explorer_css(name, scale, figure_size):
    """The style sheet of one explorer: its class ``name``, its ``scale``, its figure's size in CSS pixels.

    * ipywidgets' sizes (:data:`WIDGET_SIZES`) times ``scale``, for this explorer only;
    * controls and view side by side, wrapping (the view goes below) when the width is short; at a
      scale above 1 the figure comes first, at its full width, and the controls beside it or below it, in columns;
    * labels, buttons and dropdowns as wide as their words, never cut;
    * the figure at its own size where there is room, shrunk to the width there is otherwise: it
      stays beside the controls while it keeps :data:`VIEW_SHRINK` of its width (all of it at a scale
      above 1), else goes below.

    Examples
    --------
    >>> css = explorer_css("cnnlab-explorer-7", 2, (684, 245))
    >>> "--jp-widgets-font-size: 26px" in css, "max-width: 684px" in css
    (True, True)
    """
    width, height = figure_size
    sizes = "; ".join(f"{var}: {round(px * scale, 1):g}px" for var, px in WIDGET_SIZES.items())
    root = f".{name}"
    return f"""
{root} {{ {sizes}; font-size: var(--jp-widgets-font-size); max-width: 100%; overflow: visible; }}
{root} .cnnlab-body {{ display: flex; flex-flow: row wrap; align-items: flex-start; max-width: 100%; overflow: visible; }}
{root} .cnnlab-controls {{ flex: 0 1 auto; max-width: 100%; overflow: visible; }}
{root} .cnnlab-controls .widget-box {{ flex-wrap: wrap; max-width: 100%; overflow: visible; }}
{root} .cnnlab-view {{ flex: 1 1 {round(width * (VIEW_SHRINK if scale <= 1 else 1)):g}px; min-width: 0; max-width: 100%; overflow: visible; }}
{root} .widget-inline-hbox {{ flex-wrap: wrap; width: auto; max-width: 100%; min-width: 0; }}
{root} .widget-inline-hbox > .widget-label {{ flex: 0 0 auto; max-width: 100%; overflow: visible; white-space: nowrap;
    text-overflow: clip; }}
{root} .widget-hslider {{ width: var(--jp-widgets-inline-width); }}
{root} .widget-hslider .slider-container {{ flex: 1 1 6em; min-width: 6em; }}
{root} .widget-readout {{ overflow: visible; min-width: 2em; }}
{root} .widget-dropdown > select {{ flex: 0 1 auto; width: auto; min-width: 0; max-width: 100%; }}
{root} .widget-textarea > textarea {{ flex: 1 1 8em; min-width: 8em; }}
{root} .widget-toggle-buttons {{ flex-wrap: wrap; max-width: 100%; }}
{root} .widget-toggle-buttons > div {{ display: flex; flex-wrap: wrap; max-width: 100%; }}
{root} .widget-toggle-button, {root} .jupyter-button {{ width: auto; min-width: calc(3 * var(--jp-widgets-inline-height));
    padding: 0 0.6em; overflow: visible; text-overflow: clip; }}
{root} .widget-checkbox {{ width: auto; max-width: 100%; }}
{root} .widget-checkbox > label {{ white-space: normal; overflow: visible; }}
{root} .widget-html-content {{ white-space: normal; overflow-wrap: anywhere; max-width: 100%; }}
{_lecture_layout(root, width) if scale > 1 else ""}
{root} .cnnlab-table {{ display: inline-table; border-collapse: collapse; margin: 0 1em 0.5em 0; }}
{root} .cnnlab-table td {{ border: 1px solid #bbb; padding: 0 0.3em; text-align: right; }}
{root} .cnnlab-table caption {{ text-align: left; }}
{root} .jupyter-matplotlib {{ width: auto; max-width: {width:g}px; min-width: 0; }}
{root} .jupyter-matplotlib-figure, {root} .jupyter-matplotlib-canvas-container {{ width: 100%; min-width: 0;
    margin: 0; }}
{root} .jupyter-matplotlib-canvas-div {{ margin: 0; width: 100% !important; max-width: {width:g}px; height: auto !important;
    aspect-ratio: {width:g} / {height:g}; }}
{root} .jupyter-matplotlib-canvas-div canvas {{ width: 100% !important; height: 100% !important; }}
"""


def explorer_tabs(explorers, scale=1.0):
    """The explorers as tabs, one per ``name -> explorer`` item, with tab titles sized at ``scale``.

    Returns a box of the tabs (``.children[1]``) and their style sheet.

    Examples
    --------
    >>> from cnnlab.widgets import PaddingExplorer
    >>> box = explorer_tabs({"Padding": PaddingExplorer()})
    >>> box.children[1].titles
    ('Padding',)
    """
    import ipywidgets as W

    scale = check_scale(scale)
    font, height, gap = (round(px * scale, 1) for px in (13, 28, 12))
    style = W.HTML(f"""<style>
.cnnlab-tabs {{ width: 100%; --jp-widgets-horizontal-tab-height: {height:g}px; --jp-widgets-font-size: {font:g}px;
    --jp-ui-font-size1: {font:g}px; }}
.cnnlab-tabs.widget-tab > .lm-TabBar .lm-TabBar-tab {{ flex: 0 0 auto; min-width: 0; max-width: none;
    font-size: {font:g}px; padding: 0 {gap:g}px; }}
.cnnlab-tabs.widget-tab > .lm-TabBar .lm-TabBar-tabLabel {{ overflow: visible; text-overflow: clip; }}
</style>""", layout=W.Layout(display="none"))
    tabs = W.Tab(children=[explorer.widget for explorer in explorers.values()], titles=list(explorers))
    return W.VBox([style, tabs.add_class("cnnlab-tabs")], layout=W.Layout(width="100%"))


def _lecture_layout(root, width):
    """At a scale above 1 (a projector): the figure first at its full ``width``, the controls beside or below it."""
    return f"""
{root} .cnnlab-view {{ order: 0; flex: 0 1 {width:g}px; width: {width:g}px; }}
{root} .cnnlab-controls {{ order: 1; flex: 1 1 0; min-width: min(100%, 30em); flex-direction: row; flex-wrap: wrap;
    align-items: flex-start; align-content: flex-start; }}
"""


def numbers_html(tables, limit=12):
    """The ``(caption, array)`` tables as HTML a screen reader can read.

    Arrays larger than ``limit`` on a side give their shape and range instead of every number.

    Examples
    --------
    >>> html = numbers_html([("kernel", [[1, 0.5], [0, -1]])])
    >>> "<caption>kernel</caption>" in html, "<td>0.5</td>" in html
    (True, True)
    >>> "min 0, max 1" in numbers_html([("big", [[0] * 20, [1] * 20])])
    True
    """
    import html as html_module

    import numpy as np

    from cnnlab.plot import format_number  # the figure's own labels: NaN (not computed yet) stays empty

    parts = []
    for caption, array in tables:
        array = np.asarray(array, dtype=float)
        title = html_module.escape(caption)
        if array.ndim != 2 or max(array.shape) > limit:
            finite = array[np.isfinite(array)]
            low, high = (f"{finite.min():.3g}", f"{finite.max():.3g}") if finite.size else ("-", "-")
            shape = "×".join(map(str, array.shape))
            parts.append(f"<p>{title}: {shape}, min {low}, max {high}</p>")
            continue
        rows = "".join("<tr>" + "".join(f"<td>{format_number(v, '.3g')}</td>" for v in row) + "</tr>"
                       for row in array)
        parts.append(f"<table class='cnnlab-table'><caption>{title}</caption>{rows}</table>")
    return "".join(parts)

