"""Filters against scipy.ndimage and skimage.filters, and the notes' kernels."""

import numpy as np
import pytest
import skimage.filters
from hypothesis import given
from hypothesis import strategies as st
from scipy import ndimage

from cnnlab.filters import (
    difference_kernel, filter_channels, gaussian_kernel, gaussian_kernel_integer,
    gradient_direction, gradient_magnitude, horizontal_edge_kernel, laplace_kernel,
    max_gradient_magnitude, mean_kernel, sharpen_kernel, sobel_gradients, sobel_kernels,
    vertical_edge_kernel,
)

images = st.builds(
    lambda seed, h, w: np.random.default_rng(seed).uniform(0, 255, (h, w)),
    st.integers(0, 2**32 - 1), st.integers(3, 12), st.integers(3, 12),
)


@given(image=images)
def test_sobel_gradients_match_scipy_ndimage(image):
    gx, gy = sobel_gradients(image)
    np.testing.assert_allclose(gx, ndimage.sobel(image, axis=1), atol=1e-9)
    np.testing.assert_allclose(gy, ndimage.sobel(image, axis=0), atol=1e-9)


@given(image=images)
def test_sobel_matches_skimage_up_to_its_normalization(image):
    gx, gy = sobel_gradients(image)
    np.testing.assert_allclose(gx, 4 * skimage.filters.sobel_v(image), atol=1e-9)
    np.testing.assert_allclose(gy, 4 * skimage.filters.sobel_h(image), atol=1e-9)
    np.testing.assert_allclose(gradient_magnitude(image), 4 * np.sqrt(2) * skimage.filters.sobel(image),
                               atol=1e-9)


@given(image=images)
def test_gradient_direction_is_atan2_of_the_gradients(image):
    gx, gy = ndimage.sobel(image, axis=1), ndimage.sobel(image, axis=0)
    np.testing.assert_allclose(gradient_direction(image), np.arctan2(gy, gx), atol=1e-9)


def test_direction_points_to_the_brighter_side():
    ramp = np.tile(np.arange(5.0), (5, 1))
    assert gradient_direction(ramp)[2, 2] == 0.0  # brighter to the right
    assert gradient_direction(-ramp)[2, 2] == pytest.approx(np.pi)
    assert gradient_direction(ramp.T)[2, 2] == pytest.approx(np.pi / 2)  # brighter below


@pytest.mark.parametrize("kernel", [mean_kernel(5), gaussian_kernel(7, 1.5), laplace_kernel(),
                                    sharpen_kernel(), difference_kernel()])
def test_filter_channels_matches_ndimage_correlate_per_channel(kernel):
    rgb = np.random.default_rng(3).uniform(0, 1, (10, 9, 3))
    out = filter_channels(rgb, kernel)
    expected = np.stack([ndimage.correlate(rgb[..., c], kernel, mode="reflect") for c in range(3)], -1)
    if kernel.shape[1] % 2 == 0:  # even kernels: SciPy centres on the other pixel
        expected = np.stack([ndimage.correlate(rgb[..., c], kernel, mode="reflect", origin=(0, -1))
                             for c in range(3)], -1)
    np.testing.assert_allclose(out, expected, atol=1e-12)


def test_gaussian_matches_ndimage_gaussian_filter():
    image = np.random.default_rng(4).uniform(0, 1, (15, 15))
    sigma, radius = 1.5, 4
    ours = filter_channels(image, gaussian_kernel(2 * radius + 1, sigma))
    np.testing.assert_allclose(ours, ndimage.gaussian_filter(image, sigma, radius=radius), atol=1e-12)


def test_laplace_matches_ndimage_laplace():
    image = np.random.default_rng(5).uniform(0, 1, (8, 8))
    np.testing.assert_allclose(filter_channels(image, laplace_kernel()), ndimage.laplace(image), atol=1e-12)


@pytest.mark.parametrize("size", [1, 3, 5, 11, 21])
def test_low_pass_kernels_sum_to_one(size):
    assert mean_kernel(size).sum() == pytest.approx(1.0)
    assert gaussian_kernel(size, 2.0).sum() == pytest.approx(1.0)


def test_integer_gaussians_approximate_the_sampled_ones():
    kernel3, divisor3 = gaussian_kernel_integer(3)
    kernel5, divisor5 = gaussian_kernel_integer(5)
    assert kernel3.sum() == divisor3 == 16 and kernel5.sum() == divisor5 == 273
    assert np.abs(kernel5 / divisor5 - gaussian_kernel(5, 1.0)).max() < 0.013
    assert np.abs(kernel3 / divisor3 - gaussian_kernel(3, 0.85)).max() < 0.001
    kernel5[2, 2] = 0  # a copy: the notes' mask stays intact
    assert gaussian_kernel_integer(5)[0][2, 2] == 41


def test_edge_kernels():
    fx, fy = sobel_kernels()
    assert np.array_equal(fx, [[1, 0, -1], [2, 0, -2], [1, 0, -1]])
    assert np.array_equal(fy, [[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
    assert np.array_equal(horizontal_edge_kernel(), vertical_edge_kernel().T)
    assert laplace_kernel(diagonals=True).sum() == laplace_kernel().sum() == 0
    assert sharpen_kernel().sum() == 1


def test_max_gradient_magnitude_bound_and_tight_value():
    assert max_gradient_magnitude() == pytest.approx(4 * 255 * np.sqrt(2))
    tight = max_gradient_magnitude(tight=True)
    assert tight < max_gradient_magnitude()
    # the maximizing patch found by hand: bright top-left L plus the top-right corner
    patch = 255.0 * np.array([[1, 1, 1], [1, 0, 0], [0, 0, 0]])
    gx, gy = (np.sum(patch * mask[::-1, ::-1]) for mask in sobel_kernels())
    assert np.hypot(gx, gy) == pytest.approx(tight)
    random_patches = np.random.default_rng(6).uniform(0, 255, (2000, 3, 3))
    strengths = [np.hypot(*(np.sum(p * k) for k in sobel_kernels())) for p in random_patches]
    assert max(strengths) <= tight


@pytest.mark.parametrize("call, error, message", [
    (lambda: mean_kernel(0), ValueError, "size must be an integer >= 1, got 0"),
    (lambda: gaussian_kernel(5, 0), ValueError, "sigma must be a positive number"),
    (lambda: gaussian_kernel_integer(7), ValueError, "size must be one of 3, 5"),
    (lambda: gradient_magnitude(np.zeros((4, 4, 3))), ValueError, "convert color images to gray"),
    (lambda: filter_channels(np.zeros(4), mean_kernel(3)), ValueError, r"image must be 2-D or 3-D"),
    (lambda: filter_channels(np.zeros((4, 4)), np.ones(3)), ValueError, r"kernel must be 2-D"),
    (lambda: max_gradient_magnitude((mean_kernel(5), mean_kernel(5)), tight=True), ValueError,
     "at most 16 pixels"),
    (lambda: gradient_magnitude("image"), TypeError, "image must be a numeric array"),
])
def test_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()
