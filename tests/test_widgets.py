"""Explorers driven headlessly: set a control, check the output against cnnlab, torch, SciPy, NumPy."""

import base64
import io
import re

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal
import torch
import torch.nn.functional as F

from cnnlab import examples, filters
from cnnlab.padding import NUMPY_MODES, PADDING_MODES
from cnnlab.shapes import conv_output_size
from cnnlab.widgets import (ConvExplorer, FeatureMapExplorer, FilterExplorer, PaddingExplorer, PoolingExplorer,
                            ReceptiveFieldExplorer)
from cnnlab.widgets._base import BACKGROUNDS_KEPT

ALL = [ConvExplorer, PaddingExplorer, FilterExplorer, PoolingExplorer, ReceptiveFieldExplorer, FeatureMapExplorer]


def torch_correlate(padded, w, stride=1, dilation=1):
    x = torch.tensor(padded, dtype=torch.float64)[None, None]
    k = torch.tensor(w, dtype=torch.float64)[None, None]
    return F.conv2d(x, k, stride=stride, dilation=dilation)[0, 0].numpy()


def click(explorer, ax, row, col):
    """A real matplotlib button press on cell (row, col) of ``ax``."""
    from matplotlib.backend_bases import MouseEvent

    explorer.render()
    x, y = ax.transData.transform((col, row))
    MouseEvent("button_press_event", explorer.canvas, x, y, button=1)._process()


# ------------------------------------------------------------------ shared
@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_display_bundle_has_widget_view_and_static_picture(cls):
    explorer = cls()
    bundle = explorer._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == explorer.widget.model_id
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(b"\x89PNG")
    assert bundle["image/png"] in bundle["text/html"]
    assert explorer.canvas._data_url.startswith("data:image/png;base64,")
    assert explorer.canvas in _descendants(explorer.widget)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_scale_enlarges_widget_text_and_figure_together(cls):
    from matplotlib.text import Text

    from cnnlab.widgets import LECTURE_SCALE
    from cnnlab.widgets._layout import FIGURE_DPI, SMALLEST_FIGURE_FONT

    plain, large = cls(), cls(scale=LECTURE_SCALE)
    assert large.figure.dpi == FIGURE_DPI * LECTURE_SCALE and plain.figure.dpi == FIGURE_DPI
    np.testing.assert_array_equal(large.figure.get_size_inches(), plain.figure.get_size_inches())
    style = large.widget.children[0].value
    assert f"--jp-widgets-font-size: {13 * LECTURE_SCALE:g}px" in style
    assert f"max-width: {round(large.figure.get_size_inches()[0] * FIGURE_DPI * LECTURE_SCALE)}px" in style
    texts = [t for t in large.figure.findobj(Text) if t.get_text() and t.get_visible()]
    assert texts and min(t.get_fontsize() for t in texts) >= SMALLEST_FIGURE_FONT
    with pytest.raises(ValueError, match=r"scale must be a number from 0.5 to 4 .* got 'big'"):
        cls(scale="big")


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_explorer_guards_its_keys_and_tells_its_numbers(cls):
    from cnnlab.widgets._keys import key_guard_class

    explorer = cls()
    assert any(isinstance(w, key_guard_class()) for w in _descendants(explorer.widget))
    assert explorer.numbers.layout.display == "none" and explorer.numbers.value == ""  # written only when shown
    explorer.show_numbers.value = True
    tables = explorer.number_tables()
    assert tables and explorer.numbers.layout.display is None
    for caption, array in tables:
        assert caption in explorer.numbers.value


def test_conv_number_tables_are_what_the_figure_shows():
    explorer = ConvExplorer()
    explorer.show_numbers.value = True
    explorer.stride.value = 2
    explorer.cell.value = 2
    (_, padded), (_, w), (_, so_far) = explorer.number_tables()
    np.testing.assert_array_equal(padded, explorer.padded)
    np.testing.assert_array_equal(w, explorer.w)
    np.testing.assert_array_equal(so_far[np.isfinite(so_far)], explorer.output.ravel()[:3])
    cells = re.findall(r"<td>([^<]*)</td>", explorer.numbers.value.split("output so far")[1])
    assert cells == [f"{v:g}" for v in explorer.output.ravel()[:3]] + [""]


def _descendants(widget):
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _descendants(child)
    return found


def test_redraws_update_artists_instead_of_new_figures():
    explorer = ConvExplorer()
    figure, image, patch = explorer.figure, explorer.input_art.image, explorer.input_art.highlight
    counts = [len(ax.images) for ax in figure.axes]
    for stride in (2, 3, 1):
        explorer.stride.value = stride
    explorer.mode.value = "full"
    assert explorer.figure is figure and explorer.input_art.image is image
    assert explorer.input_art.highlight is patch
    assert [len(ax.images) for ax in figure.axes] == counts
    np.testing.assert_array_equal(image.get_array(), explorer.padded)


# ------------------------------------------------------------------ ConvExplorer
def test_conv_default_is_the_lecture_example():
    explorer = ConvExplorer()
    np.testing.assert_array_equal(explorer.output, examples.C2_STATED_OUTPUT)
    assert explorer.window == (0, 0, 3, 3)
    assert explorer.arithmetic_text == "out[0, 0] = 3·0 + 3·1 + 2·2 + 0·2 + 0·2 + 1·0 + 3·0 + 1·1 + 2·2 = 12"


def test_conv_stride_changes_size_formula_and_window():
    explorer = ConvExplorer()
    explorer.input.value = "random 7x7 integers"
    explorer.stride.value = 2
    assert explorer.output_shape == (3, 3) and explorer.stride_fits
    assert "⌊(7 + 0 + 0 − 1·(3−1) − 1)/2⌋ + 1 = ⌊4/2⌋ + 1 = 3" in explorer.formula_text
    np.testing.assert_allclose(explorer.output, torch_correlate(explorer.x, explorer.w, stride=2))
    explorer.jump_to(1, 2)
    assert explorer.window == (2, 4, 3, 3)
    explorer.stride.value = 3
    assert explorer.output_shape == (conv_output_size(7, 3, 0, 3),) * 2 == (2, 2)
    assert not explorer.stride_fits
    assert "fractions are illegal" in explorer.formula_text and "fractions are illegal" in explorer.status.value


@pytest.mark.parametrize("mode, size", [("valid", 3), ("same", 5), ("full", 7)])
def test_conv_modes_give_the_lecture_sizes(mode, size):
    explorer = ConvExplorer()
    explorer.mode.value = mode
    assert explorer.output_shape == (size, size) == (examples.C3_STATED_SIZES[mode],) * 2
    expected = scipy.signal.correlate2d(examples.C2_INPUT, examples.C2_KERNEL, mode=mode)
    np.testing.assert_allclose(explorer.output, expected)


@pytest.mark.parametrize("padding_mode", PADDING_MODES)
def test_conv_padding_type_and_amount(padding_mode):
    explorer = ConvExplorer()
    explorer.mode.value = "custom"
    explorer.padding.value = 2
    explorer.padding_mode.value = padding_mode
    x = examples.C2_INPUT.astype(float)
    np.testing.assert_array_equal(explorer.padded, np.pad(x, 2, mode=NUMPY_MODES[padding_mode]))
    assert explorer.output_shape == (7, 7)
    np.testing.assert_allclose(explorer.output, torch_correlate(explorer.padded, explorer.w))


def test_conv_padding_too_wide_is_reported_not_raised():
    explorer = ConvExplorer()
    explorer.input.value = "P3: 3x3 matrix"
    explorer.mode.value = "custom"
    explorer.padding_mode.value = "reflect"
    explorer.padding.value = 3
    assert "reflect padding of 3" in explorer.error and "⚠" in explorer.status.value
    explorer.padding.value = 1
    assert explorer.error is None and explorer.output_shape == (3, 3)


def test_conv_dilation_highlights_the_taps():
    explorer = ConvExplorer()
    explorer.input.value = "random 7x7 integers"
    explorer.dilation.value = 2
    assert explorer.output_shape == (3, 3)
    assert explorer.window == (0, 0, 5, 5)
    rows, cols = np.nonzero(explorer.window_mask)
    assert sorted(set(rows)) == sorted(set(cols)) == [0, 2, 4]
    np.testing.assert_allclose(explorer.output, torch_correlate(explorer.x, explorer.w, dilation=2))
    explorer.jump_to(2, 1)
    taps = explorer.padded[explorer.window_mask].reshape(3, 3)
    assert np.sum(taps * explorer.w) == pytest.approx(explorer.output[2, 1])


@pytest.mark.parametrize("preset, kernel", [("sobel x", filters.sobel_kernels()[0]), ("laplace", filters.laplace_kernel()),
                                            ("vertical edge", examples.C4_KERNEL)])
def test_conv_kernel_presets_come_from_filters(preset, kernel):
    explorer = ConvExplorer()
    explorer.input.value = "C4: 5x5 edge image"
    explorer.kernel.value = preset
    np.testing.assert_array_equal(explorer.w, kernel)
    np.testing.assert_allclose(explorer.output, scipy.signal.correlate2d(examples.C4_IMAGE, kernel, mode="valid"))


def test_conv_editable_kernel_and_bad_text():
    explorer = ConvExplorer()
    explorer.kernel_text.value = "1 -1"
    assert explorer.w.shape == (1, 2) and explorer.output_shape == (5, 4)
    np.testing.assert_allclose(explorer.output, scipy.signal.correlate2d(examples.C2_INPUT, [[1, -1]], mode="valid"))
    explorer.kernel_text.value = "1 2\n3"
    assert "equally many numbers" in explorer.error


def test_conv_step_play_jump_and_click():
    explorer = ConvExplorer()
    assert explorer.cell.max == explorer.play.max == 8
    explorer.step()
    assert explorer.current_cell == (0, 1) and explorer.window == (0, 1, 3, 3)
    explorer.play.value = 5
    assert explorer.current_cell == (1, 2)
    filled = np.ma.filled(explorer.output_art.image.get_array(), np.nan).ravel()
    np.testing.assert_array_equal(filled[:6], explorer.output.ravel()[:6])
    assert np.isnan(filled[6:]).all()
    explorer.cell.value = 8
    explorer.step()
    assert explorer.current_cell == (0, 0)
    click(explorer, explorer.output_art.ax, 2, 1)
    assert explorer.current_cell == (2, 1) and explorer.window == (2, 1, 3, 3)
    with pytest.raises(ValueError, match="inside the output"):
        explorer.jump_to(3, 0)


def test_conv_arithmetic_sums_to_cnnlab_output_everywhere():
    explorer = ConvExplorer()
    explorer.input.value = "random 7x7 integers"
    explorer.mode.value = "same"
    for index in range(explorer.cell.max + 1):
        explorer.cell.value = index
        products = explorer.arithmetic_text.split(" = ")[1].split(" + ")
        total = sum(float(a) * float(b) for a, b in (p.split("·") for p in products))
        assert total == pytest.approx(explorer.output[explorer.current_cell])


# ------------------------------------------------------------------ PaddingExplorer
def test_padding_all_modes_against_numpy():
    explorer = PaddingExplorer()
    np.testing.assert_array_equal(explorer.padded["reflect"], examples.P3_STATED_REFLECT)
    np.testing.assert_array_equal(explorer.padded["symmetric"], examples.P4_STATED_SYMMETRIC)
    explorer.source.value = "random 4x4 integers"
    explorer.amount.value = 3
    for mode in PADDING_MODES:
        np.testing.assert_array_equal(explorer.padded[mode], np.pad(explorer.x, 3, mode=NUMPY_MODES[mode]))
        assert explorer.arts[mode].window == (3, 3, 4, 4)
    explorer.source.value = "image corner"
    assert explorer.padded["replicate"].shape == (14, 14)


def test_padding_too_wide_for_reflect_is_flagged():
    explorer = PaddingExplorer()
    explorer.amount.value = 3
    assert "reflect padding of 3" in explorer.error
    assert np.isnan(explorer.padded["reflect"]).all()
    np.testing.assert_array_equal(explorer.padded["zeros"], np.pad(explorer.x, 3))


# ------------------------------------------------------------------ FilterExplorer
def test_filter_gray_kernels_against_scipy():
    explorer = FilterExplorer(size=64)
    image = explorer.image_array
    for name, size in (("mean", 3), ("mean", 7), ("gaussian", 5)):
        explorer.kernel.value = name
        explorer.kernel_size.value = size
        assert explorer.weights.shape == (size, size)
        np.testing.assert_allclose(explorer.output, scipy.ndimage.correlate(image, explorer.weights, mode="reflect"),
                                   atol=1e-12)
    explorer.sigma.value = 3.0
    np.testing.assert_allclose(explorer.weights, filters.gaussian_kernel(5, 3.0))
    explorer.kernel.value = "magnitude"
    assert explorer.weights is None
    np.testing.assert_allclose(explorer.output, filters.gradient_magnitude(image))
    explorer.kernel.value = "custom"
    explorer.custom.value = "0 0 0\n0 2 0\n0 0 0"
    np.testing.assert_allclose(explorer.output, 2 * image)


def test_filter_color_per_channel_and_combined():
    explorer = FilterExplorer(size=64)
    explorer.image.value = "astronaut"
    explorer.color.value = True
    image = explorer.image_array
    assert image.shape == (64, 64, 3) and not explorer.color_mode.disabled
    explorer.kernel.value = "sobel x"
    per_channel = explorer.output
    assert per_channel.shape == (64, 64, 3)
    for c in range(3):
        expected = scipy.ndimage.correlate(image[..., c], filters.sobel_kernels()[0], mode="reflect")
        np.testing.assert_allclose(per_channel[..., c], expected, atol=1e-12)
    explorer.color_mode.value = "combined"
    assert explorer.output.shape == (64, 64)
    np.testing.assert_allclose(explorer.output, per_channel.sum(axis=-1), atol=1e-12)


def test_filter_bad_custom_kernel_is_reported():
    explorer = FilterExplorer(size=32)
    explorer.kernel.value = "custom"
    explorer.custom.value = "1 a"
    assert "numbers only" in explorer.error


# ------------------------------------------------------------------ PoolingExplorer
def test_pooling_forward_winner_and_window():
    explorer = PoolingExplorer()
    np.testing.assert_array_equal(explorer.output, examples.Q1_STATED_OUTPUT)
    explorer.cell.value = 1
    assert explorer.window == (0, 2, 2, 2) and explorer.winner == (1, 3)
    explorer.input.value = "Q2: 4x4 Keras example"
    np.testing.assert_array_equal(explorer.output, examples.Q2_STATED_OUTPUT)
    explorer.input.value = "random 8x8 integers"
    for kernel, stride in ((3, 1), (2, 3), (4, 2)):
        explorer.kernel_size.value, explorer.stride.value = kernel, stride
        x = torch.tensor(explorer.x)[None, None]
        expected, indices = F.max_pool2d(x, kernel, stride, return_indices=True)
        np.testing.assert_array_equal(explorer.output, expected[0, 0].numpy())
        assert explorer.formula_text.endswith(f"= {expected.shape[-1]}")
        explorer.cell.value = explorer.cell.max
        row, col = explorer.current_cell
        assert explorer.winner == divmod(int(indices[0, 0, row, col]), 8)
        assert explorer.window == (row * stride, col * stride, kernel, kernel)


def test_pooling_backward_matches_autograd():
    explorer = PoolingExplorer()
    explorer.input.value = "random 8x8 integers"
    explorer.backward.value = True
    for kind, pool in (("max", F.max_pool2d), ("avg", F.avg_pool2d)):
        explorer.kind.value = kind
        x = torch.tensor(explorer.x, requires_grad=True)
        pool(x[None, None], 2, 2)[0, 0].backward(torch.tensor(explorer.dout))
        np.testing.assert_allclose(explorer.dx, x.grad.numpy())
        np.testing.assert_array_equal(explorer.grad_art.image.get_array(), explorer.dx)
    assert explorer.winner is None


def test_pooling_numbers_add_up_and_windows_that_do_not_fit_are_flagged():
    explorer = PoolingExplorer()
    explorer.kind.value, explorer.backward.value = "avg", True
    # each input cell of a 2x2 average window gets a quarter of the window's dL/dz: 5/4 = 1.25, shown as such
    assert explorer.grad_art.labels[0] == f"{explorer.dout[0, 0] / 4:g}" == "1.25"
    assert explorer.window_fits and explorer.status.value == ""
    explorer.kernel_size.value = 3  # (4 - 3)/2 + 1 = 1.5 windows
    assert not explorer.window_fits and "fractions are illegal" in explorer.status.value
    assert explorer.output.shape == tuple(F.avg_pool2d(torch.tensor(explorer.x)[None, None], 3, 2).shape[2:])


# ------------------------------------------------------------------ ReceptiveFieldExplorer
def autograd_footprint(layers, size, unit):
    """Reference: d(unit)/d(input) through all-ones convs and average pools, nonzero = receptive field."""
    x = torch.ones(1, 1, size, size, dtype=torch.float64, requires_grad=True)
    out = x
    for kind, kernel, stride, dilation in layers:
        if kind == "conv":
            out = F.conv2d(out, torch.ones(1, 1, kernel, kernel, dtype=torch.float64), stride=stride, dilation=dilation)
        else:
            out = F.avg_pool2d(out, kernel, stride)
    out[0, 0][unit].backward()
    return x.grad[0, 0].numpy() != 0


def test_receptive_field_three_3x3_is_7x7():
    explorer = ReceptiveFieldExplorer()
    assert explorer.field_size == (7, 7) and explorer.region[2:] == (7, 7)
    assert explorer.layer_sizes == [15, 13, 11, 9]
    assert explorer.unit == (4, 4) and explorer.region == (4, 4, 7, 7)
    row = [1, 3, 6, 7, 6, 3, 1]  # paths through three 3-wide layers, per axis
    np.testing.assert_array_equal(explorer.footprint[4:11, 4:11], np.outer(row, row))


def test_receptive_field_controls_against_autograd():
    explorer = ReceptiveFieldExplorer()
    explorer.input_size.value = 24
    settings = [(1, "dilation", 2), (0, "stride", 2), (3, "kind", "max pool"), (3, "kernel", 2), (2, "kernel", 5)]
    for index, name, value in settings:
        setattr(getattr(explorer.layers[index], name), "value", value)
        explorer.unit_row.value, explorer.unit_col.value = explorer.unit_row.max, 0
        layers = [(row.kind.value, row.kernel.value, row.stride.value, row.dilation.value)
                  for row in explorer.layers if row.kind.value != "none"]
        expected = autograd_footprint(layers, 24, explorer.unit)
        np.testing.assert_array_equal(explorer.footprint != 0, expected)
        rows, cols = np.nonzero(expected)
        assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) == explorer.field_size
    assert "fits" not in (explorer.error or "")


def test_receptive_field_stack_too_deep_and_click():
    explorer = ReceptiveFieldExplorer()
    explorer.input_size.value = 5
    assert "does not fit" in explorer.error
    explorer.input_size.value = 12
    assert explorer.error is None and explorer.layer_sizes[-1] == 6
    click(explorer, explorer.arts[3].ax, 5, 1)
    assert explorer.unit == (5, 1) and explorer.region == (5, 1, 7, 7)


# ------------------------------------------------------------------ FeatureMapExplorer
def test_feature_maps_of_the_lecture_edge_layer():
    explorer = FeatureMapExplorer()
    x = torch.tensor(explorer.x, dtype=torch.float32)[None]
    weights = torch.tensor(np.stack([filters.sobel_kernels()[0], filters.sobel_kernels()[1],
                                     filters.laplace_kernel(), examples.C4_KERNEL])[:, None], dtype=torch.float32)
    np.testing.assert_allclose(explorer.feature_maps, F.conv2d(x, weights, padding=1)[0].numpy(), atol=1e-5)
    np.testing.assert_array_equal(explorer.filters[:, 0], weights[:, 0].numpy())
    explorer.layer.value = "2"
    assert explorer.feature_maps.shape == (4, 32, 32)
    explorer.layer.value = "3"
    explorer.channel.value = 6
    assert explorer.feature_maps.shape == (8, 32, 32) and explorer.filter.shape == (4, 3, 3)
    np.testing.assert_array_equal(explorer.map_images[6].get_array(), explorer.feature_maps[6])
    explorer.input.value = "cross (synthetic)"
    assert explorer.layer.value == "3" and explorer.x.shape == (1, 64, 64)


def test_feature_maps_with_a_given_model_and_input():
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 2, 5), torch.nn.ReLU())
    x = np.random.default_rng(0).random((3, 20, 20))
    explorer = FeatureMapExplorer(model, x)
    assert list(explorer.layer.options) == [("0 · Conv2d 3→2, 5×5", "0"), ("1 · ReLU", "1")]
    expected = torch.relu(model(torch.tensor(x, dtype=torch.float32)[None]))[0].detach().numpy()
    explorer.layer.value = "1"
    np.testing.assert_allclose(explorer.feature_maps, expected, atol=1e-5)


# ------------------------------------------------------------------ headless execution and HTML export
@pytest.fixture
def explorer_notebook(tmp_path):
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell("from cnnlab.widgets import ConvExplorer\nexplorer = ConvExplorer()\n"
                                                "explorer.stride.value = 2\nexplorer")]
    path = tmp_path / "explorer.ipynb"
    nbformat.write(notebook, path)
    return path


def nbconvert(path, *options):
    """The real `jupyter nbconvert` CLI of this environment; a hanging explorer would hit the timeout."""
    import subprocess
    import sys
    from pathlib import Path

    bin_dir = Path(sys.executable).parent
    env = {**__import__("os").environ, "PATH": f"{bin_dir}:{__import__('os').environ['PATH']}"}
    subprocess.run([str(bin_dir / "jupyter-nbconvert"), str(path), "--ExecutePreprocessor.timeout=180", *options],
                   check=True, capture_output=True, timeout=300, env=env, cwd=path.parent)


@pytest.mark.slow
def test_html_export_without_widget_state_shows_the_picture(explorer_notebook):
    nbconvert(explorer_notebook, "--to", "html", "--execute", "--ExecutePreprocessor.store_widget_state=False")
    html = explorer_notebook.with_suffix(".html").read_text()
    assert '<img alt="Convolution explorer" src="data:image/png;base64,iVBOR' in html
    assert 'type="application/vnd.jupyter.widget-view+json"' not in html


@pytest.mark.slow
def test_html_export_with_widget_state_embeds_the_canvas_picture(explorer_notebook):
    import nbformat

    nbconvert(explorer_notebook, "--to", "notebook", "--execute", "--inplace")
    notebook = nbformat.read(explorer_notebook, as_version=4)
    output = notebook.cells[0].outputs[0]
    assert {"image/png", "text/html", "application/vnd.jupyter.widget-view+json"} <= set(output.data)
    state = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]["state"]
    canvases = [m["state"] for m in state.values() if m["model_name"] == "MPLCanvasModel"]
    assert canvases and canvases[0]["_data_url"].startswith("data:image/png;base64,")
    nbconvert(explorer_notebook, "--to", "html")
    html = explorer_notebook.with_suffix(".html").read_text()
    assert 'type="application/vnd.jupyter.widget-view+json"' in html  # nbconvert prefers the view when state exists
    assert canvases[0]["_data_url"][:60].replace("/", "\\/") in html  # the state is embedded, '/' escaped


def test_explorers_leave_the_pyplot_backend_alone():
    """Importing ipympl switches pyplot's backend; an explorer must not impose that on a student's plots."""
    import subprocess
    import sys

    code = ("import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt\n"
            "from cnnlab.widgets import PaddingExplorer; PaddingExplorer()\n"
            "print(matplotlib.get_backend(), type(plt.figure().canvas).__name__)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.lower().split() == ["agg", "figurecanvasagg"]


# ------------------------------------------------------------------ blitting
BLIT_CHANGES = {
    ConvExplorer: [("cell", 4), ("stride", 2), ("cell", 3), ("dilation", 2), ("kernel", "sobel x"), ("stride", 1),
                   ("padding_mode", "reflect"), ("mode", "full"), ("cell", 30)],
    PoolingExplorer: [("cell", 2), ("kind", "avg"), ("backward", True), ("kernel_size", 3), ("cell", 1)],
    ReceptiveFieldExplorer: [("unit_row", 1), ("input_size", 20), ("unit_col", 9), ("unit_row", 0)],
    FeatureMapExplorer: [("channel", 2), ("layer", "3"), ("channel", 5), ("layer", "1"), ("channel", 0)],
    FilterExplorer: [("kernel", "gaussian"), ("sigma", 2.0), ("kernel_size", 7), ("kernel", "magnitude")],
    PaddingExplorer: [("amount", 2), ("source", "random 4x4 integers"), ("amount", 1)],
}


@pytest.mark.parametrize("cls", list(BLIT_CHANGES), ids=lambda c: c.__name__)
def test_blitted_redraws_equal_full_draws(cls):
    """After each control change the blitted picture is pixel for pixel the full drawing, with fewer full draws."""
    explorer = cls()
    canvas = explorer.canvas
    explorer.render()
    for name, value in BLIT_CHANGES[cls] * 2:  # the second round redraws on kept backgrounds
        getattr(explorer, name).value = value
        explorer.render()
        blitted = np.asarray(canvas.get_renderer().buffer_rgba()).copy()
        canvas.draw_full()
        np.testing.assert_array_equal(blitted, np.asarray(canvas.get_renderer().buffer_rgba()), err_msg=name)
    full_draws = canvas.full_draws
    explorer.render()
    assert canvas.full_draws == full_draws  # nothing changed: no full draw
    assert 0 < len(canvas._backgrounds) <= BACKGROUNDS_KEPT


def test_feature_map_filter_is_a_picture_and_the_channel_is_framed():
    explorer = FeatureMapExplorer()
    explorer.layer.value = "3"
    explorer.channel.value = 6
    np.testing.assert_array_equal(explorer.filter_art.image.get_array(), explorer.filter[0])
    assert [frame.get_visible() for frame in explorer.map_frames] == [i == 6 for i in range(8)]
    assert "<table" not in explorer.info.value
    explorer.layer.value = "0"
    explorer.channel.value = 1
    np.testing.assert_array_equal(explorer.filter_art.image.get_array(), filters.sobel_kernels()[1])


@pytest.mark.parametrize("layer, kind", [("1", "ReLU"), ("2", "MaxPool2d")])
def test_feature_map_layers_without_weights_show_no_filter(layer, kind):
    explorer = FeatureMapExplorer()
    explorer.layer.value = layer
    assert explorer.filter is None and not explorer.filter_art.ax.get_visible()
    assert f"{layer} · {kind}" in explorer.info.value and "no filter of its own" in explorer.info.value
    assert "filter" not in explorer.info.value.replace("no filter of its own", "")


def test_redraws_send_png_diffs_that_rebuild_the_picture(monkeypatch):
    """What the front-end gets: a full PNG first, then diffs whose nonzero pixels replace the old ones."""
    from PIL import Image

    explorer = ConvExplorer()
    canvas = explorer.canvas
    sent = []
    monkeypatch.setattr(canvas, "send_binary", sent.append)
    canvas._force_full = True
    explorer.render()
    picture = np.asarray(Image.open(io.BytesIO(sent[-1]))).copy()
    for index in (1, 5, 7):
        explorer.cell.value = index
        explorer.render()
        diff = np.asarray(Image.open(io.BytesIO(sent[-1])))
        changed = diff.any(axis=-1)
        picture[changed] = diff[changed]
    assert len(sent) == 4
    np.testing.assert_array_equal(picture, np.asarray(canvas.get_renderer().buffer_rgba()))


def test_a_new_dpi_redraws_everything():
    explorer = PoolingExplorer()
    explorer.render()
    explorer.figure.set_dpi(96)  # what a high-resolution screen asks for
    explorer.cell.value = 1
    explorer.render()
    blitted = np.asarray(explorer.canvas.get_renderer().buffer_rgba()).copy()
    assert blitted.shape[1] == round(9 * 96)
    explorer.canvas.draw_full()
    np.testing.assert_array_equal(blitted, np.asarray(explorer.canvas.get_renderer().buffer_rgba()))


def test_the_matplotlib_and_ipympl_adapters_still_fit_the_installed_libraries():
    from cnnlab.widgets import _ipympl_adapter, _matplotlib_adapter

    _matplotlib_adapter.check_upstream()  # raises, naming matplotlib's version, when its web canvas changed
    _ipympl_adapter.check_upstream()


def test_the_adapters_fail_loudly_naming_the_version(monkeypatch):
    import ipympl
    import matplotlib

    from cnnlab.widgets import _ipympl_adapter, _matplotlib_adapter

    monkeypatch.setattr(_matplotlib_adapter, "PRIVATE_ATTRIBUTES", ("_png_is_old", "_gone_upstream"))
    with pytest.raises(RuntimeError, match=f"matplotlib {matplotlib.__version__}.* no _gone_upstream"):
        _matplotlib_adapter.check_upstream()
    monkeypatch.setattr(_ipympl_adapter, "PRIVATE_TRAITS", ("_gone_upstream",))
    with pytest.raises(RuntimeError, match=f"ipympl {ipympl.__version__}.* no trait _gone_upstream"):
        _ipympl_adapter.check_upstream()


@pytest.mark.parametrize("settings", [
    dict(),
    dict(stride=2, mode="same"),
    dict(mode="full", dilation=2),
    dict(mode="custom", padding=2, padding_mode="reflect", stride=2),
    dict(mode="same", padding_mode="symmetric"),
    dict(mode="same", padding_mode="circular", kernel_text="1 0\n0 -1"),  # an even kernel: padding (0, 1)
])
def test_conv_explorer_im2col_row_and_code_compute_the_same_output(settings):
    import torch
    import torch.nn.functional as F

    import cnnlab as cl
    from cnnlab.padding import pad2d
    from cnnlab.widgets import ConvExplorer

    explorer = ConvExplorer()
    for name in ("kernel_text", "mode", "padding", "padding_mode", "dilation", "stride"):
        if name in settings:
            getattr(explorer, name).value = settings[name]
    assert explorer.error is None
    for cell in range(explorer.output.size):
        explorer.cell.value = cell
        np.testing.assert_allclose(explorer.im2col_row @ explorer.w.ravel(),
                                   explorer.output.flat[cell])
    x, w = torch.tensor(explorer.x)[None, None], torch.tensor(explorer.w)[None, None]
    from_torch = eval(explorer.code, {"F": F, "torch": torch, "pad2d": pad2d, "x": x, "w": w})
    np.testing.assert_allclose(from_torch[0, 0].numpy(), explorer.output)
    from_cnnlab = eval(explorer.cnnlab_code, {"cl": cl, "x": explorer.x, "w": explorer.w})
    np.testing.assert_allclose(from_cnnlab, explorer.output)
    assert "im2col: row" in explorer.sides.value and explorer.code in explorer.sides.value


@pytest.mark.parametrize("stride, dilation", [(1, 1), (2, 1), (1, 2), (3, 1)])
def test_conv_explorer_follows_an_input_pixel_backwards(stride, dilation):
    from cnnlab.backprop import conv2d_backward
    from cnnlab.widgets import ConvExplorer

    explorer = ConvExplorer()
    explorer.mode.value = "same"
    explorer.stride.value, explorer.dilation.value = stride, dilation
    (kh, kw), padded = explorer.w.shape, explorer.padded
    dx, _, _ = conv2d_backward(np.ones((1, 1) + explorer.output.shape), padded[None, None], explorer.w[None, None],
                               stride=stride, dilation=dilation)
    np.testing.assert_allclose(explorer.input_gradient, dx[0, 0])  # dL/dX for dL/dZ = 1, two ways
    for row, col in [(0, 0), (2, 3), (padded.shape[0] - 1, padded.shape[1] - 1)]:
        explorer.select_pixel(row, col)
        windows = {(i, j) for i in range(explorer.output.shape[0]) for j in range(explorer.output.shape[1])
                   for m in range(kh) for l in range(kw)
                   if (i * stride + dilation * m, j * stride + dilation * l) == (row, col)}
        assert {tuple(c) for c in np.argwhere(explorer.fed_cells)} == windows
        assert f"input pixel ({row}, {col}) feeds" in explorer.sides.value
        assert explorer.input_art.window == (row, col, 1, 1)
        if windows:
            np.testing.assert_array_equal(explorer.output_art._mask, explorer.fed_cells)
    with pytest.raises(ValueError, match="pixel must lie inside the padded input"):
        explorer.select_pixel(-1, 0)
