"""Plot helpers: what they draw, and that updates reuse the artists."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlab import examples  # noqa: E402
from cnnlab.plot import ANNOTATE_LIMIT, CELL_PIXELS, show_feature_maps, show_images, show_kernels, show_matrix  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_show_matrix_annotates_and_frames_the_window():
    art = show_matrix(examples.C2_INPUT, window=(1, 2, 3, 3), title="C2")
    assert art.labels[:5] == ["3", "3", "2", "1", "0"] and len(art.labels) == 25
    numbers = art.numbers.get_array()
    assert numbers.shape == (5 * CELL_PIXELS, 5 * CELL_PIXELS, 4)
    cell = numbers[CELL_PIXELS:2 * CELL_PIXELS, 2 * CELL_PIXELS:3 * CELL_PIXELS, 3]  # row 1, col 2: "1"
    assert cell.any()
    assert art.highlight.get_visible() and art.highlight.get_xy() == (1.5, 0.5)
    assert (art.highlight.get_width(), art.highlight.get_height()) == (3, 3)
    assert art.ax.get_title() == "C2"
    np.testing.assert_array_equal(art.image.get_array(), examples.C2_INPUT)


def test_show_matrix_updates_in_place():
    fig, ax = plt.subplots()
    art = show_matrix(np.zeros((3, 3)), ax)
    image, patch = art.image, art.highlight
    art.set_data(np.arange(20.0).reshape(4, 5))
    art.set_window((0, 1, 2, 2))
    assert art.image is image and art.highlight is patch and len(ax.images) == 3
    assert len(art.labels) == 20 and art.labels[19] == "19"
    assert art.numbers.get_array().shape == (4 * CELL_PIXELS, 5 * CELL_PIXELS, 4)
    assert ax.get_xlim() == (-0.5, 4.5)
    art.set_window(None)
    assert not art.highlight.get_visible()


def test_show_matrix_mask_window_colors_the_taps():
    mask = np.zeros((5, 5), dtype=bool)
    mask[0:5:2, 0:5:2] = True
    art = show_matrix(np.ones((5, 5)), window=mask)
    assert art.window == (0, 0, 5, 5) and art.overlay.get_visible()
    rgba = art.overlay.get_array()
    assert (rgba[..., 3] > 0).sum() == 9
    art.mark(None)
    assert not art.overlay.get_visible()


def test_show_matrix_large_and_nan_cells():
    art = show_matrix(np.ones((ANNOTATE_LIMIT + 1, 3)))
    assert art.labels == [] and not art.numbers.get_visible()
    art = show_matrix([[1.5, np.nan]])
    assert art.labels == ["1.5", ""]
    assert not art.numbers.get_array()[:, CELL_PIXELS:, 3].any()  # the NaN cell stays empty


@pytest.mark.parametrize("bad, error", [(np.zeros(3), ValueError), ("abc", TypeError)])
def test_show_matrix_rejects_bad_input(bad, error):
    with pytest.raises(error, match="a must be"):
        show_matrix(bad)


def test_show_matrix_rejects_bad_window():
    with pytest.raises(TypeError, match="window must be"):
        show_matrix(np.zeros((2, 2)), window=(0, 0))
    with pytest.raises(ValueError, match="window mask must have"):
        show_matrix(np.zeros((2, 2)), window=np.ones((3, 3), dtype=bool))


def test_show_images_gray_color_and_titles():
    fig = show_images(np.zeros((3, 5, 5)), titles=["a", "b", "c"], ncols=2)
    assert len(fig.axes) == 4 and not fig.axes[3].axison
    assert [ax.get_title() for ax in fig.axes[:3]] == ["a", "b", "c"]
    fig = show_images([np.ones((4, 4, 3))])
    assert fig.axes[0].images[0].get_array().shape == (4, 4, 3)
    with pytest.raises(ValueError, match="one entry per image"):
        show_images([np.zeros((2, 2))], titles=["a", "b"])


def test_show_kernels_centers_the_colormap():
    fig = show_kernels(np.array([examples.C4_KERNEL, 2 * examples.C5_KERNEL])[:, None], titles=["v", "h"])
    assert [ax.get_title() for ax in fig.axes] == ["v", "h"]
    assert fig.axes[1].images[0].get_clim() == (-2, 2)


def test_show_feature_maps_from_a_tensor():
    torch = pytest.importorskip("torch")
    fig = show_feature_maps(torch.zeros(1, 5, 6, 6), ncols=4)
    assert [ax.get_title() for ax in fig.axes[:5]] == [f"channel {c}" for c in range(5)]
    assert len(fig.axes) == 8
