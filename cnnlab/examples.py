"""The lecture's worked examples: inputs, and the answers exactly as the notes state them.

Ids (C2, C4, P3, Q1, N6, ...) are those of the course's checklist of worked examples. The comments name
the lecture notes by title: the computer-vision lecture (*Deep learning for
Computer Vision*), the Rosenheim lecture (*Deep Learning: Convolutional Neural
Networks*, TH Rosenheim), the slides on modes (*What is "mode"?*, with
convolution as a matrix product and colour images), the Keras lecture (*The
convolution operation*) and the handwritten notes (*Lec 14: Convolutional
Neural Networks*). Names ending in
``_STATED_...`` hold what the notes write down; they are never the truth
that a notebook or a test trusts: the answer is always computed with cnnlab
and compared with the stated value. Where the notes slip, the stated value
is kept as written and the docstring of the id derives the correct one:

* ``C4``: the notes' first entry 21 should be 19 (see :data:`C4_STATED_OUTPUT`).
* ``R2``: three 3x3 layers of depth d have ``27d^2 + 3d`` weights, not ``27d^2 + d``
  (see :func:`r2_stated_params`).

Layer stacks (N5-N9, VGG, AlexNet) are lists of :mod:`cnnlab.shapes` layer
specs in Keras' (H, W, C) order, ready for :func:`cnnlab.stacks.summary`.
"""

import numpy as np

from .layers import Activation, Conv1D, Conv2D, Dense, Flatten, MaxPooling2D

# --- 1. Why convolution -------------------------------------------------------------------

#: E2 (the computer-vision lecture), in the notes' width x height order: a 320 x 280 image, a 2 x 1
#: kernel (the [1, -1] difference, one row and two columns) and a 319 x 280 output.
E2_INPUT_WH = (320, 280)
E2_KERNEL_WH = (2, 1)
E2_STATED_OUTPUT_WH = (319, 280)
E2_STATED_CONV_FLOATS = 2
E2_STATED_CONV_OPERATIONS = 319 * 280 * 3  # the notes' "319 * 280 * 3 = 267,960"
E2_STATED_DENSE_FLOATS = 319 * 280 * 320 * 280  # the notes' "319 * 280 * 320 * 280"

#: E4 (the slides on modes): image shapes (H, W, C) and the input sizes a dense net would see.
E4_IMAGE_SHAPES = {"MNIST": (28, 28, 1), "CIFAR-10": (32, 32, 3), "VGG": (224, 224, 3),
                   "HD": (720, 1280, 3)}
E4_STATED_SIZES = {"MNIST": 784, "CIFAR-10": 3072, "VGG": 150_528, "HD": 2_800_000}
"""The notes round HD to "2.8 million"; 1280 * 720 * 3 is 2,764,800."""

#: E5 (the slides on modes): 32x32x3 -> 64 filters 5x5, valid, -> 28x28x64; weights without bias.
E5_INPUT_SHAPE = (32, 32, 3)
E5_LAYER = Conv2D(64, 5, use_bias=False)
E5_STATED_OUTPUT_SHAPE = (28, 28, 64)
E5_STATED_CONV_WEIGHTS = 4_800
E5_STATED_DENSE_WEIGHTS = 154_140_672
E5_STATED_RATIO = 32_000  # "~32000 times more parameters"

# --- 2. Convolution, correlation, modes -----------------------------------------------------

#: C2 (the slides on modes): a 5x5 input, a 3x3 kernel, "valid" cross-correlation.
C2_INPUT = np.array([[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3],
                     [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]])
C2_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]])
C2_STATED_OUTPUT = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]])

#: C3 (the slides on modes): output lengths for N = 5, K = 3 per mode.
C3_N, C3_K = 5, 3
C3_STATED_SIZES = {"valid": 3, "same": 5, "full": 7}

#: C4 (the handwritten notes): the handwritten vertical edge detector on a 5x5 image.
C4_IMAGE = np.array([[1, 20, 20, 20, 1], [20, 1, 1, 1, 20], [20, 1, 1, 1, 20],
                     [1, 20, 1, 20, 1], [1, 1, 20, 1, 1]])
C4_KERNEL = np.array([[1, 0, -1], [1, 0, -1], [1, 0, -1]])
C4_STATED_OUTPUT = np.array([[21, 0, -21], [38, 0, -38], [0, 0, 0]])
"""As written in the notes, with a slip in the first row.

The top-left 3x3 window is ``[[1,20,20],[20,1,1],[20,1,1]]``; the kernel adds
its left column and subtracts its right one: ``(1 + 20 + 20) - (20 + 1 + 1) =
41 - 22 = 19``, not 21 (and ``-19`` on the right by symmetry). The correct
valid cross-correlation is ``[[19, 0, -19], [38, 0, -38], [0, 0, 0]]``.
"""

#: C5 (the handwritten notes): the horizontal edge detector, the transpose of C4's kernel.
C5_KERNEL = np.array([[1, 1, 1], [0, 0, 0], [-1, -1, -1]])

#: E3 (the slides on modes): a 1-D input of 4 values and a kernel of 2 (symbols a1..a4, w1, w2).
E3_INPUT = np.array([1.0, 2.0, 3.0, 4.0])
E3_KERNEL = np.array([1.0, -1.0])

# --- 3. Padding and stride -----------------------------------------------------------------

#: P1 (the computer-vision lecture, the Rosenheim lecture, the handwritten notes): N = 7, F = 3
#: and strides 1, 2, 3; the notes' outputs.
P1_N, P1_F = 7, 3
P1_STATED_OUTPUTS = {1: 5, 2: 3, 3: 2.33}
"""Stride 3 gives the fraction 2.33: "fractions are illegal", the stride does not fit."""

#: P2: the "same" padding P = (F - 1)/2 for F = 3, 5, 7 (stride 1).
P2_STATED_PADDINGS = {3: 1, 5: 2, 7: 3}

#: P3/P4 (the computer-vision lecture): the matrix padded by 1, reflect and symmetric.
P3_INPUT = np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
P3_STATED_REFLECT = np.array([[5, 4, 5, 6, 5], [2, 1, 2, 3, 2], [5, 4, 5, 6, 5],
                              [8, 7, 8, 9, 8], [5, 4, 5, 6, 5]])
P4_STATED_SYMMETRIC = np.array([[1, 1, 2, 3, 3], [1, 1, 2, 3, 3], [4, 4, 5, 6, 6],
                                [7, 7, 8, 9, 9], [7, 7, 8, 9, 9]])

#: P7 (the computer-vision lecture and the Rosenheim lecture): a 3x32x32 input, 10 filters 5x5,
#: stride 1, pad 2 (and pad 0).
P7_INPUT_SHAPE = (32, 32, 3)
P7_LAYER_PADDED = Conv2D(10, 5, padding=2)
P7_LAYER_VALID = Conv2D(10, 5)
P7_STATED_PADDED_SHAPE = (32, 32, 10)
P7_STATED_VALID_SHAPE = (28, 28, 10)
P7_STATED_KERAS_INPUT_SHAPE = (3, 32, 32)
"""The notes' Keras call writes ``input_shape=(3, 32, 32)``: a slip, since Keras reads (H, W, C).

Keras sees an image 3 pixels high and 32 wide with 32 channels; the 3x32x32
volume of the slide is ``input_shape=(32, 32, 3)`` (:data:`P7_INPUT_SHAPE`).
"""

#: P8 (the Rosenheim lecture): the typical (F, S, P) settings, P = None for "matching".
P8_TYPICAL_SETTINGS = ((3, 1, 1), (5, 1, 2), (5, 2, None), (1, 1, 0))

# --- 4. Parameters ---------------------------------------------------------------------------

#: N1-N3 as (filters, kernel, in_channels, stated total, stated per filter).
N1_STATED = (10, 5, 3, 760, 76)
N2_STATED = (6, 5, 3, 456, 76)
N3_STATED = (16, 5, 10, 4016, 251)
N2_STATED_OUTPUT_SHAPE = (28, 28, 6)

#: N5-N8 (the Keras lecture): the four Keras examples: input shape, layers, stated rows, stated total.
#: Stated rows are ``(output shape, params)`` of the conv layers (activations hold 0).
N5_INPUT_SHAPE = (10, 10, 1)
N5_LAYERS = [Conv2D(1, 3), Activation("sigmoid")]
N5_STATED_ROWS = [((8, 8, 1), 10)]
N5_STATED_TOTAL = 10

N6_INPUT_SHAPE = (10, 10, 1)
N6_LAYERS = [Conv2D(5, 3), Activation("sigmoid"), Conv2D(2, 3), Activation("sigmoid")]
N6_STATED_ROWS = [((8, 8, 5), 50), ((6, 6, 2), 92)]
N6_STATED_TOTAL = 142

N7_INPUT_SHAPE = (100, 100, 3)
N7_LAYERS = [Conv2D(8, 3), Activation("sigmoid"), Conv2D(1, 3), Activation("sigmoid")]
N7_STATED_ROWS = [((98, 98, 8), 224), ((96, 96, 1), 73)]
N7_STATED_TOTAL = 297

N8_INPUT_SHAPE = (100, 5)
N8_LAYERS = [Conv1D(8, 3), Activation("sigmoid"), Conv1D(1, 3), Activation("sigmoid")]
N8_STATED_ROWS = [((98, 8), 128), ((96, 1), 25)]
N8_STATED_TOTAL = 153

#: N9 (the Keras lecture): three 3x3 convs on 28x28x1, then one Dense(1) on the flattened maps.
N9_INPUT_SHAPE = (28, 28, 1)
N9_LAYERS = [Conv2D(32, 3), Conv2D(64, 3), Conv2D(64, 3), Flatten(), Dense(1)]
N9_STATED_FEATURE_SHAPE = (22, 22, 64)
N9_STATED_DENSE_PARAMS = 30_977

# --- 5. Image filters (the Rosenheim lecture) -------------------------------------------------------------

#: F1: the mean masks as the notes write them, ``1/divisor`` times a mask of ones, and the
#: mean filter sizes of the "influence of filter size" comparison.
F1_STATED_MEAN_MASKS = {3: (np.ones((3, 3), dtype=int), 9), 5: (np.ones((5, 5), dtype=int), 25)}
F1_STATED_SIZES = (3, 5, 11, 21)

#: F2: the integer Gaussian masks with their divisors (the 3x3 one without a sigma, the 5x5 one
#: "with sigma = 1"), and the large Gaussian the notes show as (size, sigma).
F2_STATED_GAUSSIAN_3 = (np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]), 16)
F2_STATED_GAUSSIAN_5 = (np.array([[1, 4, 7, 4, 1], [4, 16, 26, 16, 4], [7, 26, 41, 26, 7],
                                  [4, 16, 26, 16, 4], [1, 4, 7, 4, 1]]), 273)
F2_STATED_GAUSSIAN_5_SIGMA = 1.0
F2_STATED_LARGE_GAUSSIAN = (11, 5.0)

#: F3: the Sobel masks ``fx`` (vertical edges) and ``fy`` (horizontal edges), strength
#: ``sqrt(fx^2 + fy^2)`` and direction ``atan2(y, x)``.
F3_STATED_FX = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]])
F3_STATED_FY = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]])
F3_MAX_PIXEL = 255
F3_STATED_RANGE = 1442
"""The notes only ask "Range?"; the checklist of examples answers "up to 4*255*sqrt(2) ~ 1442" for 8-bit
images (``F3_MAX_PIXEL``): each mask reaches ``(1 + 2 + 1) * 255``. It is a bound, not the maximum:
both masks cannot reach it on the same patch (see :func:`cnnlab.filters.max_gradient_magnitude`)."""

#: F4-F6 state no numbers: Laplace edges are zero crossings and it is more sensitive to noise
#: than Sobel (F4), colour images are filtered per channel or with one 3D kernel (F5), filters
#: in a row are one filter and the FFT pays off only for large kernels (F6, measured in notebook 04).

# --- 6. Pooling -------------------------------------------------------------------------------

#: Q1 (the computer-vision lecture) and Q2 (the Keras lecture): 2x2 max pooling, stride 2.
Q1_INPUT = np.array([[3, 1, 3, 5], [6, 0, 7, 9], [3, 2, 1, 4], [0, 2, 4, 3]])
Q1_STATED_OUTPUT = np.array([[6, 9], [3, 4]])
Q2_INPUT = np.array([[12, 20, 30, 0], [8, 12, 2, 0], [34, 70, 37, 4], [112, 100, 25, 12]])
Q2_STATED_OUTPUT = np.array([[20, 30], [112, 37]])

#: Q4 (the Rosenheim lecture-003): (input size, window, stride, stated output size).
Q4_STATED_SIZES = ((26, 2, 2, 13), (100, 2, 2, 50))

# --- 7. Backpropagation (the handwritten notes) -----------------------------------------------------------

#: B1: the symbols of X (3x3) and K (2x2) of Z = X (*) K + B, and the notes' z11.
B1_X_SYMBOLS = np.array([[f"X{i}{j}" for j in (1, 2, 3)] for i in (1, 2, 3)])
B1_K_SYMBOLS = np.array([["K11", "K12"], ["K21", "K22"]])
B1_STATED_Z11_TERMS = (("X11", "K11"), ("X12", "K12"), ("X21", "K21"), ("X22", "K22"))
"""z11 = X11 K11 + X12 K12 + X21 K21 + X22 K22 + B (the bias B is added once)."""

# --- 8. Receptive field, architectures --------------------------------------------------------

R1_STATED_FIELD = 7


def r2_stated_params(depth):
    """R2 (the Rosenheim lecture) as the notes state it: ``(49d^2 + d, 27d^2 + d)`` for depth ``d``.

    One 7x7 layer of depth ``d`` holds ``7*7*d*d`` weights plus ``d`` biases.
    Three 3x3 layers hold ``3 * (3*3*d*d + d) = 27d^2 + 3d``: each layer has its
    own ``d`` biases. The notes' ``27d^2 + d`` counts the biases of one layer only.

    Examples
    --------
    >>> r2_stated_params(64)
    (200768, 110656)
    """
    return 49 * depth**2 + depth, 27 * depth**2 + depth


#: R7: channels of each 3x3 conv (stride 1, pad 1); "M" is a 2x2 max-pool with stride 2.
#: The columns A, B, D, E of table 1 in Simonyan & Zisserman (2015); :func:`cnnlab.models.vgg` builds them.
VGG_CONFIGS = {
    "VGG11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "VGG13": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "VGG16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],
    "VGG19": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",
              512, 512, 512, 512, "M", 512, 512, 512, 512, "M"],
}  # fmt: skip


def vgg_layers(depth=16):
    """VGG16 or VGG19 (the Rosenheim lecture, R7) as layer specs for a 224x224x3 input.

    3x3 convs with stride 1 and padding 1 ("same"), 2x2 max pooling with
    stride 2, then FC 4096-4096-1000. The notes state 138 and 144 million.

    Examples
    --------
    >>> len(vgg_layers(16)), len(vgg_layers(19))
    (22, 25)
    """
    if depth not in (16, 19):
        raise ValueError(f"depth must be one of 16, 19, got {depth!r}")
    layers = [MaxPooling2D(2) if item == "M" else Conv2D(item, 3, padding="same")
              for item in VGG_CONFIGS[f"VGG{depth}"]]
    return layers + [Flatten(), Dense(4096), Dense(4096), Dense(1000)]


VGG_INPUT_SHAPE = (224, 224, 3)
VGG_STATED_MILLIONS = {16: 138, 19: 144}

#: R6: AlexNet in the common single-tower variant (torchvision's), 224x224x3 input;
#: :func:`cnnlab.models.alexnet` builds its torch layers from this list.
ALEXNET_INPUT_SHAPE = (224, 224, 3)
ALEXNET_LAYERS = [
    Conv2D(64, 11, strides=4, padding=2), MaxPooling2D(3, strides=2),
    Conv2D(192, 5, padding=2), MaxPooling2D(3, strides=2),
    Conv2D(384, 3, padding=1), Conv2D(256, 3, padding=1), Conv2D(256, 3, padding=1),
    MaxPooling2D(3, strides=2), Flatten(), Dense(4096), Dense(4096), Dense(1000),
]
ALEXNET_STATED_MILLIONS = 60
