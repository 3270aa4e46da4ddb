"""Every numeric worked example of LECTURE_EXAMPLES.md, computed with cnnlab, against the notes.

The stated values come from cnnlab.examples (as the notes write them); the
answers are computed here. For the notes' slips (C4, R2) the test shows that
the stated value is wrong and that the computed one equals the hand derivation.
B1-B6 (backprop) are tested with cnnlab.backprop in its own test file.
"""

import warnings

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from torch import nn

from cnnlab import examples as ex
from cnnlab.conv import conv2d, convolve2d, correlate2d
from cnnlab.conv_views import conv_matrix, fft_convolve2d
from cnnlab.filters import (
    difference_kernel, filter_channels, gaussian_kernel, gaussian_kernel_integer, gradient_direction,
    gradient_magnitude, horizontal_edge_kernel, laplace_kernel, max_gradient_magnitude, mean_kernel,
    sobel_gradients, sobel_kernels, vertical_edge_kernel,
)
from cnnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D, SeparableConv2D
from cnnlab.models import alexnet
from cnnlab.padding import pad2d, resolve_padding
from cnnlab.pooling import avg_pool2d, max_pool2d
from cnnlab.shapes import (
    conv_operations, conv_output_size, conv_params, dense_params, pool_output_size, same_padding,
)
from cnnlab.stacks import receptive_field, summary

RNG = np.random.default_rng(2024)

# --- 1. Why convolution ----------------------------------------------------------------------


def test_e2_efficiency_of_convolution():
    width, height = ex.E2_INPUT_WH
    kernel_w, kernel_h = ex.E2_KERNEL_WH
    out = (conv_output_size(width, kernel_w), conv_output_size(height, kernel_h))
    assert out == ex.E2_STATED_OUTPUT_WH == (319, 280)
    image = RNG.uniform(size=(height, width))  # (H, W) = 280 x 320
    assert correlate2d(image, difference_kernel()).shape == (280, 319)
    assert conv_params((kernel_h, kernel_w), 1, 1, bias=False) == ex.E2_STATED_CONV_FLOATS
    assert conv_operations((out[1], out[0]), (kernel_h, kernel_w)) == ex.E2_STATED_CONV_OPERATIONS == 267_960
    dense = dense_params(width * height, out[0] * out[1], bias=False)
    assert dense == ex.E2_STATED_DENSE_FLOATS == 8_003_072_000


def test_e3_one_dimensional_conv_as_banded_matrix():
    w1, w2 = ex.E3_KERNEL
    matrix = conv_matrix(ex.E3_KERNEL, 4)
    assert np.array_equal(matrix, [[w1, w2, 0, 0], [0, w1, w2, 0], [0, 0, w1, w2]])
    a1, a2, a3, a4 = ex.E3_INPUT
    stated = [a1 * w1 + a2 * w2, a2 * w1 + a3 * w2, a3 * w1 + a4 * w2]
    np.testing.assert_allclose(matrix @ ex.E3_INPUT, stated)
    np.testing.assert_allclose(correlate2d(ex.E3_INPUT[None], ex.E3_KERNEL[None])[0], stated)


def test_e3_two_dimensional_doubly_blocked_toeplitz():
    x, w = RNG.normal(size=(5, 6)), RNG.normal(size=(2, 3))
    np.testing.assert_allclose(conv_matrix(w, x.shape) @ x.ravel(), correlate2d(x, w).ravel())


@pytest.mark.parametrize("name", ["MNIST", "CIFAR-10", "VGG"])
def test_e4_dense_input_sizes(name):
    assert Flatten().output_shape(ex.E4_IMAGE_SHAPES[name]) == (ex.E4_STATED_SIZES[name],)


def test_e4_hd_is_about_2_8_million():
    (size,) = Flatten().output_shape(ex.E4_IMAGE_SHAPES["HD"])
    assert size == 2_764_800 and round(size, -5) == ex.E4_STATED_SIZES["HD"]


def test_e5_conv_versus_dense_weights():
    assert ex.E5_LAYER.output_shape(ex.E5_INPUT_SHAPE) == ex.E5_STATED_OUTPUT_SHAPE
    conv = ex.E5_LAYER.params(ex.E5_INPUT_SHAPE)
    (inputs,), (outputs,) = (Flatten().output_shape(s) for s in (ex.E5_INPUT_SHAPE, ex.E5_STATED_OUTPUT_SHAPE))
    dense = dense_params(inputs, outputs, bias=False)
    assert conv == ex.E5_STATED_CONV_WEIGHTS and dense == ex.E5_STATED_DENSE_WEIGHTS
    assert dense / conv == pytest.approx(32_112.64) and round(dense / conv, -3) == ex.E5_STATED_RATIO


# --- 2. Convolution, correlation, modes --------------------------------------------------------


def test_c1_convolution_flips_the_mask():
    x, w = RNG.normal(size=(6, 7)), RNG.normal(size=(3, 3))
    np.testing.assert_allclose(convolve2d(x, np.fliplr(np.flipud(w))), correlate2d(x, w))
    np.testing.assert_allclose(convolve2d(x, w, "full"), scipy.signal.convolve2d(x, w, "full"))
    # f'(x, y) = sum_i sum_j f(x - i, y - j) g(i, j), mask centred at (0, 0), r = 1
    full = convolve2d(x, w, "same")
    row, col = 3, 4
    by_formula = sum(x[row - i, col - j] * w[i + 1, j + 1] for i in (-1, 0, 1) for j in (-1, 0, 1))
    assert full[row, col] == pytest.approx(by_formula)


@pytest.mark.parametrize("size", [3, 5])
def test_rosenheim_centred_mask_gives_the_new_value_of_the_central_pixel(size):
    """f'(x, y) = sum_{i,j=-r..r} f(x - i, y - j) g(i, j), (0, 0) at the mask centre: SciPy's ndimage convention."""
    import scipy.ndimage

    f, g = RNG.integers(0, 9, size=(6, 7)).astype(float), RNG.standard_normal((size, size))
    r = size // 2
    centred = scipy.ndimage.convolve(f, g, mode="constant")  # origin at the centre of the mask
    np.testing.assert_allclose(convolve2d(f, g, mode="same"), centred, atol=1e-12)
    np.testing.assert_allclose(convolve2d(f, g, mode="valid"), centred[r:-r, r:-r], atol=1e-12)


def test_c2_valid_correlation():
    out = correlate2d(ex.C2_INPUT, ex.C2_KERNEL, mode="valid")
    np.testing.assert_array_equal(out, ex.C2_STATED_OUTPUT)
    # the notes' own code: convolve2d(A, fliplr(flipud(w)), mode='valid')
    flipped = np.fliplr(np.flipud(ex.C2_KERNEL))
    np.testing.assert_array_equal(convolve2d(ex.C2_INPUT, flipped), ex.C2_STATED_OUTPUT)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
def test_c3_mode_sizes(mode):
    row, kernel = np.ones((1, ex.C3_N)), np.ones((1, ex.C3_K))
    assert correlate2d(row, kernel, mode).shape[1] == ex.C3_STATED_SIZES[mode]
    assert conv_output_size(ex.C3_N, ex.C3_K, mode) == ex.C3_STATED_SIZES[mode]


def test_c4_vertical_edge_detector_slip_in_the_notes():
    out = correlate2d(ex.C4_IMAGE, ex.C4_KERNEL)
    assert not np.array_equal(out, ex.C4_STATED_OUTPUT)
    # by hand: window [[1,20,20],[20,1,1],[20,1,1]] -> (1+20+20) - (20+1+1) = 19
    np.testing.assert_array_equal(out, [[19, 0, -19], [38, 0, -38], [0, 0, 0]])
    assert np.array_equal(vertical_edge_kernel(), ex.C4_KERNEL)


def test_c5_horizontal_edge_detector_is_the_transpose():
    assert np.array_equal(ex.C5_KERNEL, ex.C4_KERNEL.T)
    assert np.array_equal(horizontal_edge_kernel(), ex.C5_KERNEL)
    np.testing.assert_array_equal(correlate2d(ex.C4_IMAGE, ex.C5_KERNEL),
                                  correlate2d(ex.C4_IMAGE.T, ex.C4_KERNEL).T)


def test_c6_color_convolution_sums_over_channels():
    height, width, k = 7, 6, 3
    image = RNG.normal(size=(3, height, width))  # H x W x 3, stored channels first
    kernel = RNG.normal(size=(3, k, k))
    out = conv2d(image, kernel[None])
    assert out.shape == (1, height - k + 1, width - k + 1)  # a 2-D map
    i, j = 2, 1
    by_formula = sum(image[c, i + u, j + v] * kernel[c, u, v] for c in range(3) for u in range(k) for v in range(k))
    assert out[0, i, j] == pytest.approx(by_formula)
    per_channel = sum(correlate2d(image[c], kernel[c]) for c in range(3))
    np.testing.assert_allclose(out[0], per_channel)
    filters = RNG.normal(size=(5, 3, k, k))  # C2 = 5 filters stack to H' x W' x 5
    assert conv2d(image, filters).shape == (5, height - k + 1, width - k + 1)


def test_c7_one_bias_per_feature_map():
    x, w, b = RNG.normal(size=(2, 3, 6, 6)), RNG.normal(size=(4, 3, 3, 3)), RNG.normal(size=4)
    np.testing.assert_allclose(conv2d(x, w, b), conv2d(x, w) + b[None, :, None, None])
    assert conv_params(3, 3, 4) - conv_params(3, 3, 4, bias=False) == 4  # not one per pixel
    assert dense_params(10, 4) - dense_params(10, 4, bias=False) == 4  # dense: one per output


def test_c8_two_convolutions_are_one_convolution():
    x, a, b = RNG.normal(size=(9, 8)), RNG.normal(size=(3, 3)), RNG.normal(size=(2, 4))
    composed = convolve2d(a, b, "full")
    np.testing.assert_allclose(correlate2d(correlate2d(x, a), b), correlate2d(x, composed))
    np.testing.assert_allclose(convolve2d(convolve2d(x, a, "full"), b, "full"), convolve2d(x, composed, "full"))


# --- 3. Padding and stride ----------------------------------------------------------------------


def test_p1_output_size_and_illegal_fraction():
    for stride in (1, 2):
        assert conv_output_size(ex.P1_N, ex.P1_F, stride=stride, strict=True) == ex.P1_STATED_OUTPUTS[stride]
    with pytest.raises(ValueError, match="fractions are illegal") as error:
        conv_output_size(ex.P1_N, ex.P1_F, stride=3, strict=True)
    assert f"= {ex.P1_STATED_OUTPUTS[3]:.2f}" in str(error.value)
    assert correlate2d(np.ones((7, 7)), np.ones((3, 3)), stride=3).shape == (2, 2)  # frameworks floor


def test_p2_same_padding():
    assert conv_output_size(7, 3, padding=1) == 7
    for kernel, padding in ex.P2_STATED_PADDINGS.items():
        assert same_padding(kernel) == padding
        assert correlate2d(np.ones((7, 7)), np.ones((kernel, kernel)), "same").shape == (7, 7)


def test_p3_reflect_padding():
    np.testing.assert_array_equal(pad2d(ex.P3_INPUT, 1, "reflect"), ex.P3_STATED_REFLECT)


def test_p4_symmetric_padding():
    np.testing.assert_array_equal(pad2d(ex.P3_INPUT, 1, "symmetric"), ex.P4_STATED_SYMMETRIC)


def test_p5_replicate_padding_copies_the_border():
    x = RNG.normal(size=(4, 5))
    np.testing.assert_array_equal(pad2d(x, 2, "replicate"), np.pad(x, 2, mode="edge"))


def test_p6_why_padding_pixel_usage_counts():
    uses = conv_matrix(np.ones((3, 3)), (7, 7)).sum(axis=0).reshape(7, 7)
    assert uses[0, 0] == 1 and uses[3, 3] == 9  # the corner pixel is used only once
    padded_uses = conv_matrix(np.ones((3, 3)), (9, 9)).sum(axis=0).reshape(9, 9)[1:-1, 1:-1]
    assert padded_uses[0, 0] == 4
    for kernel in (3, 5, 7):
        lost = (kernel - 1) // 2
        assert conv_output_size(32, kernel) == 32 - 2 * lost  # (F-1)/2 values lost per border


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")  # torch pads a copy: fine here
@pytest.mark.parametrize("name", ["valid", "same"])
@pytest.mark.parametrize("f", [3, 4, 5])
def test_keras_padding_names_map_to_p_zero_and_p_half_the_kernel(name, f):
    (top, bottom), (left, right) = resolve_padding(name, kernel_size=f)
    assert (top, bottom) == (left, right) == ((0, 0) if name == "valid" else ((f - 1) // 2, f // 2))
    x = RNG.standard_normal((1, 1, 9, 9))
    theirs = F.conv2d(torch.tensor(x), torch.ones(1, 1, f, f, dtype=torch.float64), padding=name)
    np.testing.assert_allclose(conv2d(x, np.ones((1, 1, f, f)), padding=name), theirs.numpy())
    assert Conv2D(1, f, padding=name).output_shape((9, 9, 1)) == tuple(theirs.shape[2:]) + (1,)


def test_p7_padded_and_valid_output_volumes():
    assert ex.P7_LAYER_PADDED.output_shape(ex.P7_INPUT_SHAPE) == ex.P7_STATED_PADDED_SHAPE
    assert ex.P7_LAYER_VALID.output_shape(ex.P7_INPUT_SHAPE) == ex.P7_STATED_VALID_SHAPE
    x, w = np.zeros((3, 32, 32)), np.zeros((10, 3, 5, 5))
    assert conv2d(x, w, padding=2).shape == (10, 32, 32)
    assert conv2d(x, w).shape == (10, 28, 28)


def test_p7_keras_input_shape_of_the_notes_is_a_slip():
    """Keras reads input_shape=(3, 32, 32) as 3 high, 32 wide, 32 channels: not the slide's volume."""
    as_written = ex.P7_STATED_KERAS_INPUT_SHAPE
    assert Conv2D(10, 5, padding="same").output_shape(as_written) == (3, 32, 10) != ex.P7_STATED_PADDED_SHAPE
    with pytest.raises(ValueError, match="kernel is larger than the padded input"):
        Conv2D(10, 5).output_shape(as_written)


def test_p8_typical_settings():
    for kernel, stride, padding in ex.P8_TYPICAL_SETTINGS:
        if padding is None:  # "P = matching": a padding that makes the fraction legal
            matching = [p for p in range(3) if (33 + 2 * p - kernel) % stride == 0]
            assert matching == [0, 1, 2] and conv_output_size(33, kernel, 2, stride, strict=True) == 17
            with pytest.raises(ValueError, match="fractions are illegal"):
                conv_output_size(32, kernel, 2, stride, strict=True)
            continue
        assert conv_output_size(32, kernel, padding, stride, strict=True) == (32 - kernel + 2 * padding) // stride + 1 == 32
        assert Conv2D(16, kernel, strides=stride, padding=padding).output_shape((32, 32, 3))[-1] == 16  # D' = K


# --- 4. Parameters --------------------------------------------------------------------------------


@pytest.mark.parametrize("stated", [ex.N1_STATED, ex.N2_STATED, ex.N3_STATED], ids=["N1", "N2", "N3"])
def test_n1_n3_conv_layer_parameters(stated):
    filters, kernel, channels, total, per_filter = stated
    assert conv_params(kernel, channels, filters) == total
    assert conv_params(kernel, channels, 1) == per_filter


def test_n2_output_shape():
    assert Conv2D(6, 5).output_shape((32, 32, 3)) == ex.N2_STATED_OUTPUT_SHAPE


@pytest.mark.parametrize("kernel, depth, filters", [(1, 1, 1), (3, 64, 128), (5, 3, 10), (7, 16, 32)])
def test_n4_weight_formula(kernel, depth, filters):
    assert conv_params(kernel, depth, filters) == (kernel * kernel * depth) * filters + filters
    assert conv_params(kernel, depth, filters) == sum(p.numel() for p in nn.Conv2d(depth, filters, kernel).parameters())


@pytest.mark.parametrize("example", ["N5", "N6", "N7", "N8"])
def test_n5_n8_keras_summaries(example):
    def get(suffix):
        return getattr(ex, f"{example}_{suffix}")

    table = summary(get("LAYERS"), get("INPUT_SHAPE"))
    conv_rows = [(row.output_shape, row.params) for row in table.rows if row.params or "conv" in row.name]
    assert conv_rows == get("STATED_ROWS")
    assert table.total_params == get("STATED_TOTAL")
    assert all(row.params == 0 for row in table.rows if row.name.startswith("activation"))


def test_n9_dense_on_top_of_three_convs():
    table = summary(ex.N9_LAYERS, ex.N9_INPUT_SHAPE)
    assert table.rows[2].output_shape == ex.N9_STATED_FEATURE_SHAPE
    assert table.rows[-1].params == ex.N9_STATED_DENSE_PARAMS


def test_n9_open_question_dense_100_then_1_with_and_without_pooling():
    """The notes ask what Dense(100) then Dense(1) add, and hint that max-pooling shrinks the maps."""
    head = [Flatten(), Dense(100), Dense(1)]
    no_pool = summary(ex.N9_LAYERS[:3] + head, ex.N9_INPUT_SHAPE)
    with_pool = summary([Conv2D(32, 3), MaxPooling2D(2), Conv2D(64, 3), MaxPooling2D(2), Conv2D(64, 3)] + head,
                        ex.N9_INPUT_SHAPE)
    convs = [nn.Conv2d(1, 32, 3), nn.Conv2d(32, 64, 3), nn.Conv2d(64, 64, 3)]
    torch_no_pool = nn.Sequential(*convs, nn.Flatten(), nn.Linear(22 * 22 * 64, 100), nn.Linear(100, 1))
    torch_pool = nn.Sequential(convs[0], nn.MaxPool2d(2), convs[1], nn.MaxPool2d(2), convs[2], nn.Flatten(),
                               nn.Linear(3 * 3 * 64, 100), nn.Linear(100, 1))
    for table, model in ((no_pool, torch_no_pool), (with_pool, torch_pool)):
        assert table.total_params == sum(p.numel() for p in model.parameters())
        assert model(torch.zeros(1, 1, 28, 28)).shape == (1, 1)
    assert no_pool.rows[-2].params + no_pool.rows[-1].params == 22 * 22 * 64 * 100 + 100 + 101 == 3_097_801
    assert with_pool.rows[-4].output_shape == (3, 3, 64) and with_pool.total_params < no_pool.total_params / 25


def test_n10_pooling_has_no_weights():
    assert MaxPooling2D().params((26, 26, 32)) == 0
    assert not list(nn.MaxPool2d(2).parameters()) and not list(nn.AvgPool2d(2).parameters())


def test_colour_rgb_is_unsuitable_for_linear_interpolation():
    """Blurring a red/green edge in RGB darkens the middle below both sides; in CIELAB it does not."""
    from skimage.color import lab2rgb, rgb2lab

    edge = np.zeros((8, 40, 3)); edge[:, :20, 0] = 1.0; edge[:, 20:, 1] = 1.0
    blur = gaussian_kernel(11, 3.0)
    in_rgb = np.clip(filter_channels(edge, blur, padding_mode="replicate"), 0, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # blurred colours just outside sRGB are clipped
        in_lab = np.clip(lab2rgb(filter_channels(rgb2lab(edge), blur, padding_mode="replicate")), 0, 1)
    red, green = rgb2lab(edge)[0, 0, 0], rgb2lab(edge)[0, -1, 0]
    assert rgb2lab(in_rgb)[4, :, 0].min() < min(red, green) - 5
    assert rgb2lab(in_lab)[4, :, 0].min() > min(red, green) - 1
    np.testing.assert_allclose((in_rgb[4, 19] + in_rgb[4, 20]) / 2, [0.5, 0.5, 0.0], atol=1e-9)  # dark olive


def test_colour_a_red_circle_filter_does_not_match_a_green_circle():
    yy, xx = np.mgrid[-6:7, -6:7]
    ring = (np.abs(np.hypot(yy, xx) - 4) < 1.0).astype(float)
    red_finder = np.stack([ring, 0 * ring, 0 * ring])[None]
    red, green = np.zeros((3, 13, 13)), np.zeros((3, 13, 13))
    red[0], green[1] = ring, ring
    assert conv2d(red, red_finder).item() == ring.sum() > 0
    assert conv2d(green, red_finder).item() == 0
    assert conv2d(green, red_finder.sum(axis=1, keepdims=True).repeat(3, axis=1)).item() == ring.sum()  # gray: both


# --- 5. Image filters ---------------------------------------------------------------------------


@pytest.mark.parametrize("size", sorted(ex.F1_STATED_MEAN_MASKS))
def test_f1_mean_masks(size):
    mask, divisor = ex.F1_STATED_MEAN_MASKS[size]
    np.testing.assert_allclose(mean_kernel(size), mask / divisor)
    assert mask.sum() == divisor  # the stated mask sums to 1


def test_f1_larger_mean_filters_blur_more():
    noise = RNG.normal(size=(64, 64))
    spread = [filter_channels(noise, mean_kernel(size)).std() for size in ex.F1_STATED_SIZES]
    assert all(np.isclose(mean_kernel(size).sum(), 1.0) for size in ex.F1_STATED_SIZES)
    assert spread == sorted(spread, reverse=True)


@pytest.mark.parametrize("size, stated", [(3, ex.F2_STATED_GAUSSIAN_3), (5, ex.F2_STATED_GAUSSIAN_5)],
                         ids=["3x3", "5x5"])
def test_f2_integer_gaussians(size, stated):
    mask, divisor = stated
    kernel, computed_divisor = gaussian_kernel_integer(size)
    np.testing.assert_array_equal(kernel, mask)
    assert computed_divisor == divisor == mask.sum()


def test_f2_integer_masks_approximate_sampled_gaussians():
    mask3, _ = ex.F2_STATED_GAUSSIAN_3
    np.testing.assert_array_equal(mask3, np.outer([1, 2, 1], [1, 2, 1]))  # binomial in both directions
    mask5, divisor5 = ex.F2_STATED_GAUSSIAN_5
    difference = np.abs(mask5 / divisor5 - gaussian_kernel(5, ex.F2_STATED_GAUSSIAN_5_SIGMA))
    assert 0 < difference.max() < 0.02  # close to the sampled sigma = 1 Gaussian, but rounded


def test_f2_large_gaussian():
    size, sigma = ex.F2_STATED_LARGE_GAUSSIAN
    kernel = gaussian_kernel(size, sigma)
    assert kernel.shape == (size, size) and kernel.sum() == pytest.approx(1.0)
    half = size // 2  # the corner sits (half, half) from the centre
    assert kernel[0, 0] / kernel[half, half] == pytest.approx(np.exp(-(2 * half**2) / (2 * sigma**2)))


def test_f3_sobel_masks_give_the_derivatives():
    fx, fy = sobel_kernels()
    np.testing.assert_array_equal(fx, ex.F3_STATED_FX)
    np.testing.assert_array_equal(fy, ex.F3_STATED_FY)
    ramp = np.tile(np.arange(6.0), (5, 1))  # brighter to the right, slope 1
    gx, gy = sobel_gradients(ramp)
    weights = ex.F3_STATED_FX[ex.F3_STATED_FX > 0].sum()  # 1 + 2 + 1, each seeing a difference of 2
    np.testing.assert_allclose(gx[:, 1:-1], 2 * weights)
    np.testing.assert_allclose(gy, 0.0)


def test_f3_strength_range_for_8_bit_images():
    reach = ex.F3_MAX_PIXEL * ex.F3_STATED_FX[ex.F3_STATED_FX > 0].sum()  # white under +, black under -
    bound = max_gradient_magnitude(max_value=ex.F3_MAX_PIXEL)
    assert bound == pytest.approx(np.hypot(reach, reach))
    assert round(bound) == ex.F3_STATED_RANGE
    step = np.zeros((5, 6))
    step[:, 3:] = ex.F3_MAX_PIXEL
    assert gradient_magnitude(step).max() == pytest.approx(reach)  # one mask alone reaches its maximum
    assert max_gradient_magnitude(max_value=ex.F3_MAX_PIXEL, tight=True) < bound  # not both at once


def test_f3_direction_needs_atan2():
    ramp_left = np.tile(np.arange(5.0)[::-1], (5, 1))  # brighter to the left: the gradient points left
    gx, gy = (g[2, 2] for g in sobel_gradients(ramp_left))
    assert gradient_direction(ramp_left)[2, 2] == pytest.approx(np.pi)
    assert np.arctan(gy / gx) == pytest.approx(0.0)  # the quotient loses the quadrant


def test_f4_laplace_edges_are_zero_crossings_and_noise_weighs_more():
    lap = laplace_kernel()
    x = np.arange(-5.0, 6.0)
    np.testing.assert_allclose(correlate2d(np.add.outer(x**2, x**2), lap), 4.0)  # the sum of d2/dx2 and d2/dy2
    edge = correlate2d(np.tile(np.tanh(x), (3, 1)), lap)[0]  # a smooth step, valid columns x = -4 ... 4
    inner = x[1:-1]
    assert np.all(edge[inner < 0] > 0) and np.all(edge[inner > 0] < 0) and edge[inner == 0] == pytest.approx(0)
    step = np.zeros((5, 8))
    step[:, 4:] = 1.0

    def signal_to_noise(kernel):  # strongest response to a unit step / std of the response to unit white noise
        return np.abs(correlate2d(step, kernel)).max() / np.sqrt((kernel**2).sum())

    assert signal_to_noise(lap) < signal_to_noise(ex.F3_STATED_FX)


def test_f5_colour_per_channel_or_one_3d_kernel():
    rgb = RNG.uniform(size=(6, 7, 3))
    kernel = mean_kernel(3)
    per_channel = filter_channels(rgb, kernel, padding_mode="zeros")
    assert per_channel.shape == rgb.shape  # a colour image
    for c in range(3):
        np.testing.assert_allclose(per_channel[..., c], correlate2d(rgb[..., c], kernel, "same"))
    combined = conv2d(rgb.transpose(2, 0, 1), np.stack([kernel] * 3)[None], padding=1)[0]
    assert combined.shape == rgb.shape[:2]  # one map: the channels are summed
    np.testing.assert_allclose(combined, per_channel.sum(axis=-1))


def test_f6_filters_in_a_row_are_one_filter_and_the_fft_agrees():
    image = RNG.normal(size=(32, 30))
    blur = gaussian_kernel(5, ex.F2_STATED_GAUSSIAN_5_SIGMA)
    combined = convolve2d(blur, ex.F3_STATED_FX, "full")
    assert combined.shape == (7, 7)
    np.testing.assert_allclose(convolve2d(convolve2d(image, blur, "full"), ex.F3_STATED_FX, "full"),
                               convolve2d(image, combined, "full"))
    for size in ex.F1_STATED_SIZES:
        kernel = RNG.normal(size=(size, size))
        np.testing.assert_allclose(fft_convolve2d(image, kernel), convolve2d(image, kernel, "full"), atol=1e-9)


# --- 6. Pooling -----------------------------------------------------------------------------------


@pytest.mark.parametrize("x, stated", [(ex.Q1_INPUT, ex.Q1_STATED_OUTPUT), (ex.Q2_INPUT, ex.Q2_STATED_OUTPUT)],
                         ids=["Q1", "Q2"])
@pytest.mark.parametrize("impl", ["fast", "naive"])
def test_q1_q2_max_pooling(x, stated, impl):
    np.testing.assert_array_equal(max_pool2d(x, 2, stride=2, impl=impl), stated)


@pytest.mark.parametrize("x", [ex.Q1_INPUT, ex.Q2_INPUT], ids=["Q1", "Q2"])
def test_q3_average_pooling_of_the_same_inputs(x):
    expected = F.avg_pool2d(torch.tensor(x, dtype=torch.float64)[None], 2).numpy()[0]
    np.testing.assert_allclose(avg_pool2d(x, 2), expected)
    np.testing.assert_allclose(avg_pool2d(x, 2), x.reshape(2, 2, 2, 2).mean(axis=(1, 3)))


def test_q4_pooling_output_sizes():
    for size, window, stride, stated in ex.Q4_STATED_SIZES:
        assert pool_output_size(size, window, stride) == stated
        assert MaxPooling2D(window, strides=stride).output_shape((size, size, 7)) == (stated, stated, 7)  # D' = D
    assert pool_output_size(27, 3, 2) == (27 - 3) // 2 + 1 == 13  # the typical F=3, S=2


def test_q5_pooling_is_invariant_to_small_shifts():
    x = np.zeros((4, 4))
    x[0, 0] = 1.0
    shifted = np.roll(x, 1, axis=1)  # still inside the same 2x2 window
    np.testing.assert_array_equal(max_pool2d(x, 2), max_pool2d(shifted, 2))
    assert not np.array_equal(x, shifted)


# --- 8. Receptive field, dilation, architectures ----------------------------------------------------


def test_r1_three_3x3_see_7x7():
    assert receptive_field([Conv2D(64, 3)] * 3) == ex.R1_STATED_FIELD == receptive_field([Conv2D(64, 7)])


@pytest.mark.parametrize("depth", [1, 3, 64])
def test_r2_parameters_slip_in_the_notes(depth):
    stated_7x7, stated_3x3 = ex.r2_stated_params(depth)
    shape = (28, 28, depth)
    one_7x7 = summary([Conv2D(depth, 7, padding="same")], shape).total_params
    three_3x3 = summary([Conv2D(depth, 3, padding="same")] * 3, shape).total_params
    assert one_7x7 == stated_7x7
    assert three_3x3 != stated_3x3
    assert three_3x3 == 27 * depth**2 + 3 * depth  # a bias vector per layer


@pytest.mark.parametrize("dilation", [1, 2, 3, 4])
def test_r3_dilation_grows_the_field_without_losing_resolution(dilation):
    assert receptive_field([Conv2D(1, 3, dilation_rate=dilation)]) == dilation * (3 - 1) + 1
    layer = Conv2D(1, 3, padding="same", dilation_rate=dilation)
    assert layer.output_shape((32, 32, 1)) == (32, 32, 1)
    assert layer.params((32, 32, 1)) == Conv2D(1, 3).params((32, 32, 1))


def test_r4_separable_convolution_saves_parameters():
    shape = (32, 32, 64)
    assert SeparableConv2D(128, 3).params(shape) == 3 * 3 * 64 + 64 * 128 + 128
    assert SeparableConv2D(128, 3).params(shape) < Conv2D(128, 3).params(shape) / 8


@pytest.mark.parametrize("depth, total", [(16, 138_357_544), (19, 143_667_240)])
def test_r7_vgg_parameter_counts(depth, total):
    table = summary(ex.vgg_layers(depth), ex.VGG_INPUT_SHAPE)
    assert table.total_params == total
    assert round(total / 1e6) == ex.VGG_STATED_MILLIONS[depth]


def test_r6_alexnet_single_tower():
    table = summary(ex.ALEXNET_LAYERS, ex.ALEXNET_INPUT_SHAPE)
    model = alexnet(device="meta")  # torch's own parameter tensors, built from the same layer list
    assert table.total_params == sum(p.numel() for p in model.parameters()) == 61_100_840
    assert table.rows[7].output_shape == (6, 6, 256)
    assert abs(table.total_params / 1e6 - ex.ALEXNET_STATED_MILLIONS) < 2  # "~60 million"
