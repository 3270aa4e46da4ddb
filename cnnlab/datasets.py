"""Offline data for the notebooks: scikit-learn digits, scikit-image sample images, synthetic shapes.

Nothing here downloads: the digits ship with scikit-learn, the sample images
with scikit-image (only the bundled ones are allowed), and the shapes are drawn
with NumPy from a seed. Images come as float arrays scaled to [0, 1]; batches
use the (N, C, H, W) layout of PyTorch.
"""

from dataclasses import dataclass

import numpy as np

from ._validate import check_choice, check_int, describe

#: skimage.data images whose files ship inside the scikit-image wheel (no pooch download).
SAMPLE_IMAGES = (
    "astronaut", "brick", "camera", "cat", "cell", "checkerboard", "clock", "coffee", "coins",
    "colorwheel", "grass", "gravel", "horse", "hubble_deep_field", "immunohistochemistry", "logo",
    "microaneurysms", "moon", "page", "retina", "rocket", "shepp_logan_phantom", "text",
)  # fmt: skip

#: Shapes that :func:`draw_shape` and :func:`synthetic_shapes` can draw, in label order.
SHAPE_KINDS = ("square", "cross", "line", "blob")


@dataclass(frozen=True, repr=False)
class TrainTestSplit:
    """Images and integer labels split into a training and a test part.

    ``x_*`` are float32 arrays of shape (N, C, H, W) in [0, 1]; ``y_*`` are
    int64 labels of shape (N,). ``train`` and ``test`` give ``(x, y)`` pairs,
    the form :func:`cnnlab.train.fit` takes.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple

    @property
    def train(self):
        """The pair ``(x_train, y_train)``."""
        return self.x_train, self.y_train

    @property
    def test(self):
        """The pair ``(x_test, y_test)``."""
        return self.x_test, self.y_test

    def __repr__(self):
        return (
            f"TrainTestSplit(x_train={self.x_train.shape}, x_test={self.x_test.shape}, "
            f"classes={len(self.class_names)})"
        )


@dataclass(frozen=True, repr=False)
class ShapeImages:
    """Synthetic shape images with their labels and the centre of each shape.

    ``x`` is float32 of shape (N, 1, H, W); ``y`` holds indices into ``kinds``;
    ``centers`` holds the (row, column) of each shape's centre pixel.
    """

    x: np.ndarray
    y: np.ndarray
    centers: np.ndarray
    kinds: tuple

    def __repr__(self):
        return f"ShapeImages(x={self.x.shape}, kinds={self.kinds})"


def load_digits(test_size=0.2, seed=0, size=32):
    """Load scikit-learn's 8x8 handwritten digits, scaled to [0, 1] and split stratified.

    The 1,797 digits ship with scikit-learn, so nothing is downloaded. LeNet-5
    was built for 32x32 inputs: MNIST's 28x28 digits with a 2-pixel zero
    border. ``size=32`` does the same here: each 8x8 digit is upsampled
    bilinearly to ``size - 4`` pixels and padded with 2 zero pixels on every
    side. ``size=8`` keeps the original pixels.

    Parameters
    ----------
    test_size : float
        Fraction of the images that goes to the test part, in (0, 1).
    seed : int
        Seed of the split; the same seed gives the same split.
    size : int
        Side of the returned images: 8 (original) or at least 12.

    Returns
    -------
    TrainTestSplit
        ``x_train``/``x_test`` float32 of shape (N, 1, size, size); int64 labels 0-9.

    Examples
    --------
    >>> digits = load_digits(size=32)
    >>> digits
    TrainTestSplit(x_train=(1437, 1, 32, 32), x_test=(360, 1, 32, 32), classes=10)
    >>> float(digits.x_train.min()), float(digits.x_train.max())
    (0.0, 1.0)
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    if isinstance(test_size, bool) or not isinstance(test_size, float) or not 0 < test_size < 1:
        raise ValueError(f"test_size must be a float in (0, 1), got {describe(test_size)}")
    seed = check_int(seed, "seed", minimum=0)
    size = check_int(size, "size", minimum=8)
    if 8 < size < 12:
        raise ValueError(f"size must be 8 (original digits) or at least 12 (upsampled), got {size}")
    bunch = sklearn_digits()
    images = _digits_to_size(bunch.images / 16.0, size)[:, None].astype(np.float32)
    labels = bunch.target.astype(np.int64)
    x_train, x_test, y_train, y_test = train_test_split(
        images, labels, test_size=test_size, random_state=seed, stratify=labels
    )
    names = tuple(str(d) for d in range(10))
    return TrainTestSplit(x_train, y_train, x_test, y_test, names)


def _digits_to_size(images, size):
    """Upsample (N, 8, 8) digits bilinearly to ``size - 4`` and zero-pad 2 pixels per border."""
    if size == 8:
        return images
    from skimage.transform import resize

    inner = size - 4
    upsampled = resize(images, (len(images), inner, inner), order=1, anti_aliasing=False)
    return np.pad(np.clip(upsampled, 0.0, 1.0), ((0, 0), (2, 2), (2, 2)))


def sample_image(name="camera", gray=True):
    """Return a scikit-image sample image as floats in [0, 1].

    Only the images whose files ship inside scikit-image are allowed (listed in
    ``SAMPLE_IMAGES``); the others would need a download.

    Parameters
    ----------
    name : str
        One of ``SAMPLE_IMAGES``, e.g. ``'camera'``, ``'astronaut'``, ``'coins'``, ``'checkerboard'``.
    gray : bool
        True gives a 2-D (H, W) gray image (colour converted with the ITU-R 709
        luma weights of ``skimage.color.rgb2gray``); False keeps colour images
        as (H, W, 3) and gray ones as (H, W).

    Returns
    -------
    numpy.ndarray
        float64 image in [0, 1].

    Examples
    --------
    >>> image = sample_image("camera")
    >>> image.shape, image.dtype, float(image.max()) <= 1.0
    ((512, 512), dtype('float64'), True)
    >>> sample_image("astronaut", gray=False).shape
    (512, 512, 3)
    """
    import skimage.data
    from skimage.color import rgb2gray, rgba2rgb
    from skimage.util import img_as_float

    check_choice(name, "name", SAMPLE_IMAGES)
    if not isinstance(gray, bool):
        raise TypeError(f"gray must be True or False, got {describe(gray)}")
    image = getattr(skimage.data, name)()
    if image.ndim == 3 and image.shape[-1] == 4:
        image = rgba2rgb(image)
    image = img_as_float(image).astype(np.float64)
    if gray and image.ndim == 3:
        image = rgb2gray(image)
    return image


def draw_shape(kind, size=32, center=None, extent=7):
    """Draw one shape on a black ``size`` x ``size`` image.

    Parameters
    ----------
    kind : {'square', 'cross', 'line', 'blob'}
        Filled square, plus sign, diagonal line (top-left to bottom-right) or Gaussian blob.
    size : int
        Side of the image.
    center : tuple of int, optional
        (row, column) of the shape's centre; default the middle of the image.
        The whole shape must fit inside the image.
    extent : int
        Side of the odd-sized square patch that holds the shape.

    Returns
    -------
    numpy.ndarray
        float64 image of shape (size, size), values in [0, 1].

    Examples
    --------
    >>> draw_shape("cross", size=5, extent=3)
    array([[0., 0., 0., 0., 0.],
           [0., 0., 1., 0., 0.],
           [0., 1., 1., 1., 0.],
           [0., 0., 1., 0., 0.],
           [0., 0., 0., 0., 0.]])
    """
    check_choice(kind, "kind", SHAPE_KINDS)
    size = check_int(size, "size", minimum=1)
    half = _check_extent(extent, size) // 2
    row, col = (size // 2, size // 2) if center is None else _check_center(center, size, half)
    image = np.zeros((size, size))
    image[row - half : row + half + 1, col - half : col + half + 1] = _shape_patch(kind, extent)
    return image


def _check_extent(extent, size):
    """Return ``extent`` after checking that it is odd and fits in a ``size`` x ``size`` image."""
    extent = check_int(extent, "extent", minimum=1)
    if extent % 2 == 0 or extent > size:
        raise ValueError(f"extent must be odd and at most size={size}, got {extent}")
    return extent


def _check_center(center, size, half):
    """Return ``center`` as two ints after checking that a patch of half-width ``half`` fits."""
    if not isinstance(center, (tuple, list)) or len(center) != 2:
        raise TypeError(f"center must be a pair (row, column), got {describe(center)}")
    row, col = (check_int(c, "center") for c in center)
    if not (half <= row < size - half and half <= col < size - half):
        raise ValueError(
            f"center must keep the shape inside the image: rows and columns in "
            f"[{half}, {size - half - 1}], got {(row, col)}"
        )
    return row, col


def _shape_patch(kind, extent):
    """The ``extent`` x ``extent`` patch of one shape kind, values in [0, 1]."""
    half = extent // 2
    if kind == "square":
        return np.ones((extent, extent))
    if kind == "cross":
        patch = np.zeros((extent, extent))
        patch[half, :] = patch[:, half] = 1.0
        return patch
    if kind == "line":
        return np.eye(extent)
    offsets = np.arange(extent) - half
    sigma = max(extent / 4, 0.5)
    return np.exp(-(offsets[:, None] ** 2 + offsets[None, :] ** 2) / (2 * sigma**2))


def synthetic_shapes(n=200, size=32, kinds=SHAPE_KINDS, extent=7, noise=0.0, seed=0):
    """Generate ``n`` images, each with one shape at a random position.

    For translation demos: a convolution finds the same shape wherever it
    sits (equivariance), and pooling plus a classifier gives the same label
    for shifted copies (invariance). The same seed gives the same images.

    Parameters
    ----------
    n : int
        Number of images.
    size : int
        Side of each image.
    kinds : sequence of str
        Shapes to draw, a subset of ``SHAPE_KINDS``; the label is the index into ``kinds``.
    extent : int
        Side of the odd-sized square patch that holds each shape.
    noise : float
        Standard deviation of Gaussian noise added (then clipped to [0, 1]).
    seed : int
        Seed of the random kinds, positions and noise.

    Returns
    -------
    ShapeImages
        ``x`` float32 (n, 1, size, size), ``y`` int64 (n,), ``centers`` int64 (n, 2).

    Examples
    --------
    >>> shapes = synthetic_shapes(n=6, size=16, seed=1)
    >>> shapes.x.shape, shapes.y.tolist()
    ((6, 1, 16, 16), [1, 2, 3, 3, 0, 0])
    """
    n = check_int(n, "n", minimum=1)
    size = check_int(size, "size", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    kinds = tuple(check_choice(kind, "kinds", SHAPE_KINDS) for kind in _as_tuple(kinds))
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or noise < 0:
        raise ValueError(f"noise must be a number >= 0, got {describe(noise)}")
    rng = np.random.default_rng(seed)
    half = _check_extent(extent, size) // 2
    labels = rng.integers(len(kinds), size=n)
    centers = rng.integers(half, size - half, size=(n, 2))
    images = np.stack([draw_shape(kinds[k], size, tuple(c), extent) for k, c in zip(labels, centers)])
    if noise:
        images = np.clip(images + rng.normal(0.0, noise, images.shape), 0.0, 1.0)
    return ShapeImages(images[:, None].astype(np.float32), labels.astype(np.int64), centers, kinds)


def _as_tuple(kinds):
    """Accept one kind name or a sequence of names."""
    if isinstance(kinds, str):
        return (kinds,)
    if not isinstance(kinds, (tuple, list)) or not kinds:
        raise TypeError(f"kinds must be a non-empty sequence of {SHAPE_KINDS}, got {describe(kinds)}")
    return tuple(kinds)

