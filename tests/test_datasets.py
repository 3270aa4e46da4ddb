"""cnnlab.datasets: offline, deterministic, in the documented shapes and ranges."""

import socket
import subprocess
import sys

import numpy as np
import pytest
import skimage.data
import sklearn.datasets

from cnnlab.datasets import SAMPLE_IMAGES, SHAPE_KINDS, draw_shape, load_digits, sample_image, synthetic_shapes


@pytest.fixture
def no_network(monkeypatch):
    """Make every socket connection fail, so that a download attempt raises."""

    def refuse(*args, **kwargs):
        raise OSError("network access is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def test_digits_shapes_range_and_split(no_network):
    digits = load_digits()
    assert digits.x_train.shape == (1437, 1, 32, 32) and digits.x_test.shape == (360, 1, 32, 32)
    assert digits.x_train.dtype == np.float32 and digits.y_train.dtype == np.int64
    assert digits.x_train.min() == 0.0 and digits.x_train.max() == 1.0
    train_counts, test_counts = np.bincount(digits.y_train), np.bincount(digits.y_test)
    assert np.all(np.abs(test_counts / 360 - train_counts / 1437) < 0.01)  # stratified
    assert digits.class_names == tuple("0123456789")


def test_digits_have_lenets_two_pixel_zero_border():
    x = load_digits(size=32).x_train
    assert not x[:, :, :2].any() and not x[:, :, -2:].any()
    assert not x[:, :, :, :2].any() and not x[:, :, :, -2:].any()
    assert x[:, :, 2:-2, 2:-2].max() == 1.0


def test_digits_size_8_are_sklearns_pixels_over_16():
    digits = load_digits(size=8, test_size=0.5, seed=3)
    reference = sklearn.datasets.load_digits().images / 16.0
    all_images = np.concatenate([digits.x_train, digits.x_test])[:, 0]
    assert len(all_images) == len(reference)
    ordered = lambda a: a[np.lexsort(a.reshape(len(a), -1).T)]  # noqa: E731
    np.testing.assert_allclose(ordered(all_images), ordered(reference.astype(np.float32)))


def test_digits_upsampling_keeps_the_picture():
    small, large = load_digits(size=8), load_digits(size=20)
    shrunk = large.x_train[:, 0, 2:-2, 2:-2].reshape(-1, 8, 2, 8, 2).mean(axis=(2, 4))
    assert np.corrcoef(shrunk.ravel(), small.x_train.ravel())[0, 1] > 0.9


def test_digits_are_deterministic():
    a, b, c = load_digits(seed=1), load_digits(seed=1), load_digits(seed=2)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_test, c.y_test)
    x, y = a.train
    assert x is a.x_train and y is a.y_train


@pytest.mark.parametrize(
    "kwargs, error",
    [({"test_size": 1.5}, ValueError), ({"test_size": 0}, ValueError), ({"size": 10}, ValueError),
     ({"size": 4}, ValueError), ({"seed": -1}, ValueError), ({"size": 32.0}, TypeError)],
)  # fmt: skip
def test_digits_bad_input(kwargs, error):
    with pytest.raises(error, match=next(iter(kwargs))):
        load_digits(**kwargs)


def test_every_allowed_sample_image_loads_offline(no_network):
    for name in SAMPLE_IMAGES:
        image = sample_image(name)
        assert image.ndim == 2 and image.dtype == np.float64, name
        assert 0.0 <= image.min() and image.max() <= 1.0, name


def test_sample_image_values_match_skimage():
    np.testing.assert_allclose(sample_image("camera"), skimage.data.camera() / 255.0)
    color = sample_image("astronaut", gray=False)
    np.testing.assert_allclose(color, skimage.data.astronaut() / 255.0)
    assert sample_image("logo", gray=False).shape == (500, 500, 3)  # RGBA -> RGB


def test_sample_image_refuses_images_that_need_a_download():
    with pytest.raises(ValueError, match="name must be one of 'astronaut'.*got 'brain'"):
        sample_image("brain")
    with pytest.raises(TypeError, match="gray"):
        sample_image("camera", gray="yes")


def test_draw_shape_shifts_with_its_center():
    base = draw_shape("line", size=20, center=(8, 8))
    shifted = draw_shape("line", size=20, center=(11, 13))
    np.testing.assert_array_equal(np.roll(base, (3, 5), axis=(0, 1)), shifted)


@pytest.mark.parametrize("kind", SHAPE_KINDS)
def test_each_shape_peaks_at_its_center(kind):
    image = draw_shape(kind, size=15, center=(4, 9), extent=5)
    assert image[4, 9] == 1.0 and image.max() == 1.0
    assert not image[:2].any() and not image[7:].any()  # rows outside the 5x5 patch stay black


def test_draw_shape_bad_input():
    with pytest.raises(ValueError, match="center must keep the shape inside"):
        draw_shape("square", size=10, center=(1, 5))
    with pytest.raises(ValueError, match="extent must be odd"):
        draw_shape("square", size=10, extent=4)
    with pytest.raises(ValueError, match="kind must be one of"):
        draw_shape("circle")
    with pytest.raises(TypeError, match="center must be a pair"):
        draw_shape("cross", center=5)


def test_synthetic_shapes_are_deterministic_and_labelled():
    a, b = synthetic_shapes(n=30, seed=4), synthetic_shapes(n=30, seed=4)
    np.testing.assert_array_equal(a.x, b.x)
    assert not np.array_equal(a.x, synthetic_shapes(n=30, seed=5).x)
    assert a.x.shape == (30, 1, 32, 32) and a.x.dtype == np.float32
    for image, label, (row, col) in zip(a.x[:, 0], a.y, a.centers):
        np.testing.assert_allclose(image, draw_shape(a.kinds[label], 32, (row, col)), rtol=1e-6)


def test_synthetic_shapes_subset_and_noise():
    shapes = synthetic_shapes(n=10, size=12, kinds=["cross", "blob"], extent=3, noise=0.1, seed=0)
    assert shapes.kinds == ("cross", "blob") and set(shapes.y) <= {0, 1}
    assert 0.0 <= shapes.x.min() and shapes.x.max() <= 1.0
    assert np.count_nonzero(shapes.x) > 10 * 5 * 2  # noise reached the background


def test_synthetic_shapes_bad_input():
    with pytest.raises(ValueError, match="kinds must be one of"):
        synthetic_shapes(kinds=["square", "star"])
    with pytest.raises(ValueError, match="noise"):
        synthetic_shapes(noise=-1)
    with pytest.raises(ValueError, match="extent must be odd and at most size=5"):
        synthetic_shapes(size=5, extent=7)
    with pytest.raises(TypeError, match="kinds must be a non-empty sequence"):
        synthetic_shapes(kinds=[])


def test_datasets_do_not_import_torch():
    code = "import sys, cnnlab.datasets as d; d.load_digits(); d.synthetic_shapes(); print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
