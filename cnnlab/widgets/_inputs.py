"""The inputs and kernels the explorers offer: lecture arrays, random integers, images, filter presets.

Lecture arrays come from :mod:`cnnlab.examples`, kernels from
:mod:`cnnlab.filters`, images from :mod:`cnnlab.datasets`; nothing is typed
in twice.
"""

import functools

import numpy as np

from cnnlab.plot import format_number

KERNEL_PRESETS = ("C2 lecture kernel", "vertical edge", "horizontal edge", "mean", "gaussian",
                  "sobel x", "sobel y", "laplace", "sharpen")


def downsample(image, size):
    """Every k-th pixel so that the larger side is at most ``size`` (a view, no filtering).

    Examples
    --------
    >>> downsample(np.zeros((512, 384, 3)), 64).shape
    (64, 48, 3)
    """
    step = max(1, -(-max(image.shape[:2]) // size))
    return image[::step, ::step]


@functools.lru_cache(maxsize=8)
def camera(size=32):
    """The scikit-image camera picture, gray, scaled to 0..255 and at most ``size`` pixels a side (cached, read-only).

    Examples
    --------
    >>> image = camera(32)
    >>> image.shape, float(image.max()) <= 255
    ((32, 32), True)
    """
    from cnnlab.datasets import sample_image

    image = np.round(downsample(sample_image("camera"), size) * 255)
    image.flags.writeable = False  # cached and shared: read-only
    return image


def random_integers(size, seed=0, high=10):
    """A reproducible ``size x size`` matrix of integers in ``[0, high)`` as floats.

    Examples
    --------
    >>> random_integers(3).tolist() == random_integers(3).tolist()
    True
    """
    return np.random.default_rng(seed).integers(0, high, (size, size)).astype(float)


def lecture_inputs():
    """Name -> zero-argument function returning the input matrix, lecture examples first.

    Examples
    --------
    >>> inputs = lecture_inputs()
    >>> list(inputs)[0], inputs["C2: 5x5 from the notes"]().shape
    ('C2: 5x5 from the notes', (5, 5))
    """
    from cnnlab import examples

    return {
        "C2: 5x5 from the notes": lambda: np.asarray(examples.C2_INPUT, dtype=float),
        "C4: 5x5 edge image": lambda: np.asarray(examples.C4_IMAGE, dtype=float),
        "P3: 3x3 matrix": lambda: np.asarray(examples.P3_INPUT, dtype=float),
        "random 7x7 integers": lambda: random_integers(7),
        "random 32x32 integers": lambda: random_integers(32),
        "camera 32x32": camera,
    }


def load_kernel(name, size=3, sigma=1.0):
    """The kernel called ``name`` (one of ``KERNEL_PRESETS``), from :mod:`cnnlab.filters` or the notes.

    Examples
    --------
    >>> load_kernel("sobel y")
    array([[ 1.,  2.,  1.],
           [ 0.,  0.,  0.],
           [-1., -2., -1.]])
    """
    from cnnlab import examples, filters

    presets = {
        "C2 lecture kernel": lambda: examples.C2_KERNEL,
        "vertical edge": filters.vertical_edge_kernel,
        "horizontal edge": filters.horizontal_edge_kernel,
        "mean": lambda: filters.mean_kernel(size),
        "gaussian": lambda: filters.gaussian_kernel(size, sigma),
        "sobel x": lambda: filters.sobel_kernels()[0],
        "sobel y": lambda: filters.sobel_kernels()[1],
        "laplace": filters.laplace_kernel,
        "sharpen": filters.sharpen_kernel,
    }
    return np.asarray(presets[name](), dtype=float)


def format_kernel(w):
    """Rows of numbers, one row per line: the editable text form of a kernel.

    Examples
    --------
    >>> print(format_kernel([[1, 0.5], [0, -1]]))
    1 0.5
    0 -1
    """
    return "\n".join(" ".join(format_number(v, ".4g") for v in row) for row in np.asarray(w))


def parse_kernel(text):
    """The kernel written as rows of numbers (spaces or commas between, a line or ';' per row).

    Raises a ``ValueError`` that says what is wrong with the text.

    Examples
    --------
    >>> parse_kernel("1, 0, -1; 2 0 -2")
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.]])
    >>> parse_kernel("1 2; 3")
    Traceback (most recent call last):
    ...
    ValueError: kernel must be rows of equally many numbers, got '1 2; 3'
    """
    rows = [row.replace(",", " ").split() for row in text.replace(";", "\n").splitlines() if row.strip()]
    if not rows or len({len(row) for row in rows}) != 1:
        raise ValueError(f"kernel must be rows of equally many numbers, got {text!r}")
    try:
        return np.array([[float(v) for v in row] for row in rows])
    except ValueError:
        raise ValueError(f"kernel must hold numbers only, got {text!r}") from None
