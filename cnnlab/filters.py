"""Image filters: the hand-designed kernels of the lecture, before a CNN learns its own.

Low-pass filters (mean, Gaussian) blur; high-pass filters (Sobel, Laplace,
edge detectors) find edges. Every kernel is a small NumPy array; apply it with
:func:`filter_channels` or :func:`cnnlab.conv.correlate2d`.

Sign convention. The notes apply masks as true convolutions (the mask is
mirrored first), so their Sobel ``fx = [[1, 0, -1], [2, 0, -2], [1, 0, -1]]``
gives ``+df/dx`` (x to the right) and ``fy`` gives ``+df/dy`` (y down, the row
direction of an image). :func:`sobel_gradients` keeps that meaning: it
correlates with the mirrored masks, which is the convolution with the masks.
``scipy.ndimage.sobel(image, axis=1)`` and ``axis=0`` give the same numbers
(SciPy correlates with ``[-1, 0, 1]``, the mirrored mask); ``skimage.filters.sobel_v``
and ``sobel_h`` give the same signs divided by 4, and ``skimage.filters.sobel``
returns ``sqrt((gx^2 + gy^2)/2)/4``, i.e. :func:`gradient_magnitude` ``/ (4 sqrt 2)``.
Correlating with the notes' masks directly (as a CNN layer would) flips both signs.

Border: the gradient functions pad with ``padding_mode="symmetric"`` by default
(the border pixel repeated: ``2 1 | 1 2 3 | 3 2``), the default of
``scipy.ndimage`` (which calls it ``'reflect'``) and of scikit-image, so a
flat image has zero gradient everywhere, its border included.
"""

import itertools

import numpy as np

from ._validate import as_float_array, check_int, check_ndim, describe, renamed_arguments
from .conv import correlate2d

_INTEGER_GAUSSIANS = {
    3: (np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]), 16),
    5: (np.array([[1, 4, 7, 4, 1], [4, 16, 26, 16, 4], [7, 26, 41, 26, 7],
                  [4, 16, 26, 16, 4], [1, 4, 7, 4, 1]]), 273),
}


def mean_kernel(size):
    """Box blur: a ``size x size`` kernel of ``1/size^2`` (the notes' 1/9 and 1/25 masks).

    Examples
    --------
    >>> mean_kernel(3) * 9
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    """
    size = check_int(size, "size", minimum=1)
    return np.full((size, size), 1.0 / size**2)


def gaussian_kernel(size, sigma):
    """Sampled Gaussian ``exp(-(x^2 + y^2) / (2 sigma^2))``, normalized to sum 1.

    ``x`` and ``y`` run over the pixel offsets from the kernel center.

    Examples
    --------
    >>> np.round(gaussian_kernel(3, sigma=1.0), 3)
    array([[0.075, 0.124, 0.075],
           [0.124, 0.204, 0.124],
           [0.075, 0.124, 0.075]])
    """
    size = check_int(size, "size", minimum=1)
    if isinstance(sigma, bool) or not isinstance(sigma, (int, float)) or not sigma > 0:
        raise ValueError(f"sigma must be a positive number, got {describe(sigma)}")
    offsets = np.arange(size) - (size - 1) / 2
    profile = np.exp(-offsets**2 / (2.0 * sigma**2))
    kernel = np.outer(profile, profile)
    return kernel / kernel.sum()


def gaussian_kernel_integer(size):
    """The notes' integer Gaussian masks and their divisors: ``kernel / divisor`` sums to 1.

    ``size=3``: ``1/16 [[1,2,1],[2,4,2],[1,2,1]]`` (binomial); ``size=5``: the
    ``sigma = 1`` mask ``1/273 [[1,4,7,4,1], ...]``. Both approximate
    :func:`gaussian_kernel` (the 5x5 one within 0.012 of the sampled ``sigma=1``).

    Returns
    -------
    kernel : ndarray of int, divisor : int

    Examples
    --------
    >>> kernel, divisor = gaussian_kernel_integer(3)
    >>> kernel, divisor
    (array([[1, 2, 1],
           [2, 4, 2],
           [1, 2, 1]]), 16)
    """
    if size not in _INTEGER_GAUSSIANS:
        raise ValueError(
            f"size must be one of 3, 5 (the notes' integer masks), got {describe(size)}")
    kernel, divisor = _INTEGER_GAUSSIANS[size]
    return kernel.copy(), divisor


def sobel_kernels():
    """The notes' Sobel masks ``(fx, fy)``: ``fx`` finds vertical edges, ``fy`` horizontal ones.

    As convolution masks (mirrored before use) they give ``+df/dx`` and ``+df/dy``.

    Examples
    --------
    >>> fx, fy = sobel_kernels()
    >>> fx
    array([[ 1.,  0., -1.],
           [ 2.,  0., -2.],
           [ 1.,  0., -1.]])
    >>> np.array_equal(fy, fx.T)
    True
    """
    fx = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])
    return fx, fx.T.copy()


def laplace_kernel(diagonals=False):
    """Discrete Laplace operator (second derivative): edges are its zero crossings.

    ``diagonals=True`` gives the 8-neighbour version. Symmetric, so
    convolution and correlation agree; it amplifies noise more than Sobel.

    Examples
    --------
    >>> laplace_kernel()
    array([[ 0.,  1.,  0.],
           [ 1., -4.,  1.],
           [ 0.,  1.,  0.]])
    """
    if diagonals:
        kernel = np.ones((3, 3))
        kernel[1, 1] = -8.0
        return kernel
    return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def sharpen_kernel():
    """Sharpening / contrast increase: the identity minus the 4-neighbour Laplacian.

    Examples
    --------
    >>> sharpen_kernel()
    array([[ 0., -1.,  0.],
           [-1.,  5., -1.],
           [ 0., -1.,  0.]])
    """
    identity = np.zeros((3, 3))
    identity[1, 1] = 1.0
    return identity - laplace_kernel()


def vertical_edge_kernel():
    """The handwritten notes' vertical edge detector ``[[1, 0, -1]] * 3`` (bright left: > 0).

    Examples
    --------
    >>> vertical_edge_kernel()
    array([[ 1.,  0., -1.],
           [ 1.,  0., -1.],
           [ 1.,  0., -1.]])
    """
    return np.tile([1.0, 0.0, -1.0], (3, 1))


def horizontal_edge_kernel():
    """The transpose of :func:`vertical_edge_kernel`: ``[[1, 1, 1], [0, 0, 0], [-1, -1, -1]]``.

    Examples
    --------
    >>> horizontal_edge_kernel()
    array([[ 1.,  1.,  1.],
           [ 0.,  0.,  0.],
           [-1., -1., -1.]])
    """
    return vertical_edge_kernel().T.copy()


def difference_kernel():
    """The smallest edge detector ``[1, -1]``: 1 row, 2 columns (the notes say "2 x 1": W x H).

    Correlating gives ``x[i, j] - x[i, j+1]``: vertical edges light up.

    Examples
    --------
    >>> difference_kernel()
    array([[ 1., -1.]])
    """
    return np.array([[1.0, -1.0]])


@renamed_arguments(boundary="padding_mode")
def filter_channels(image, kernel, *, padding_mode="symmetric"):
    """Correlate every channel of an image with the same 2-D kernel ("same" size output).

    The notes' low-pass recipe for color images: filter each RGB channel
    separately. (Combining the channels with one ``K x K x 3`` kernel instead
    gives a single 2-D map: that is a conv layer, :func:`cnnlab.conv.conv2d`.)

    Parameters
    ----------
    image : array_like, shape (H, W) or (H, W, C)
    kernel : array_like, shape (kh, kw)
    padding_mode : {'symmetric', 'zeros', 'reflect', 'replicate', 'circular'}

    Returns
    -------
    ndarray, same shape as ``image`` (float)

    Examples
    --------
    >>> rgb = np.zeros((3, 3, 3)); rgb[1, 1] = [9, 18, 27]
    >>> filter_channels(rgb, mean_kernel(3))[1, 1]
    array([1., 2., 3.])
    """
    image = as_float_array(image, "image")
    check_ndim(image, "image", (2, 3), "(H, W) or (H, W, C)")
    kernel = as_float_array(kernel, "kernel")
    check_ndim(kernel, "kernel", (2,), "(kh, kw)")
    if image.ndim == 2:
        return correlate2d(image, kernel, mode="same", padding_mode=padding_mode)
    channels = [correlate2d(image[..., c], kernel, mode="same", padding_mode=padding_mode)
                for c in range(image.shape[-1])]
    return np.stack(channels, axis=-1)


@renamed_arguments(boundary="padding_mode")
def sobel_gradients(image, *, padding_mode="symmetric"):
    """``(gx, gy) = (+df/dx, +df/dy)`` of a gray image with the notes' Sobel masks.

    The masks are applied as the notes apply them, as convolutions: ``gx =
    correlate2d(image, fx[::-1, ::-1], mode="same")``; x points right, y down.

    Examples
    --------
    >>> ramp = np.tile(np.arange(4.0), (3, 1))  # brighter to the right
    >>> sobel_gradients(ramp)[0]
    array([[4., 8., 8., 4.],
           [4., 8., 8., 4.],
           [4., 8., 8., 4.]])
    """
    image = as_float_array(image, "image")
    check_ndim(image, "image", (2,), "(H, W); convert color images to gray first")
    return tuple(correlate2d(image, mask[::-1, ::-1].copy(), mode="same", padding_mode=padding_mode)
                 for mask in sobel_kernels())


@renamed_arguments(boundary="padding_mode")
def gradient_magnitude(image, *, padding_mode="symmetric"):
    """Gradient strength ``s = sqrt(gx^2 + gy^2)`` from :func:`sobel_gradients`.

    Examples
    --------
    >>> step = np.array([[0, 0, 255, 255]] * 3)
    >>> gradient_magnitude(step)
    array([[   0., 1020., 1020.,    0.],
           [   0., 1020., 1020.,    0.],
           [   0., 1020., 1020.,    0.]])
    """
    gx, gy = sobel_gradients(image, padding_mode=padding_mode)
    return np.hypot(gx, gy)


@renamed_arguments(boundary="padding_mode")
def gradient_direction(image, *, padding_mode="symmetric"):
    """Gradient direction ``theta = atan2(gy, gx)`` in radians, in ``(-pi, pi]``.

    ``atan2`` instead of ``arctan(gy/gx)`` (as the notes advise) keeps the
    quadrant and survives ``gx = 0``. With y pointing down, ``pi/2`` means
    "brighter below".

    Examples
    --------
    >>> rows = np.repeat(np.arange(4.0)[:, None], 3, axis=1)  # brighter downwards
    >>> float(gradient_direction(rows)[1, 1])
    1.5707963267948966
    """
    gx, gy = sobel_gradients(image, padding_mode=padding_mode)
    return np.arctan2(gy, gx)


def max_gradient_magnitude(kernels=None, max_value=255, *, tight=False):
    """The largest gradient strength a kernel pair can produce on images in ``[0, max_value]``.

    The notes ask "Range?" for ``s = sqrt(fx^2 + fy^2)``. Each mask alone reaches
    at most ``max_value * max(sum of its positive weights, -sum of its negative
    weights)`` (Sobel: ``4 * 255``), so ``s <= 4 * 255 * sqrt(2) ~ 1442``: the
    bound returned by default. The two maxima need contradicting corner pixels,
    so the bound is not reached; ``tight=True`` finds the true maximum by trying
    every black/white patch (``s`` is convex in the pixels, so the maximum sits at
    a corner of the box ``[0, max_value]^(kh*kw)``); Sobel: ``~ 1140.4``.

    Parameters
    ----------
    kernels : (kx, ky), optional
        Defaults to :func:`sobel_kernels`.
    max_value : float
        Brightest pixel, 255 for 8-bit images.
    tight : bool
        Exhaustive search; only for kernels of at most 16 pixels.

    Examples
    --------
    >>> round(max_gradient_magnitude(), 1), round(4 * 255 * 2 ** 0.5, 1)
    (1442.5, 1442.5)
    >>> round(max_gradient_magnitude(tight=True), 1)
    1140.4
    """
    pair = sobel_kernels() if kernels is None else kernels
    if len(pair) != 2:
        raise ValueError(f"kernels must be a pair (kx, ky), got {len(pair)} kernels")
    kx, ky = (as_float_array(k, "kernels") for k in pair)
    if kx.shape != ky.shape:
        raise ValueError(f"kernels must have the same shape, got {kx.shape} and {ky.shape}")
    if not tight:
        reach = [max(k[k > 0].sum(), -k[k < 0].sum()) * max_value for k in (kx, ky)]
        return float(np.hypot(*reach))
    if kx.size > 16:
        raise ValueError("tight=True tries 2**(kh*kw) patches; kernels must have at most "
                         f"16 pixels, got {kx.size}")
    patches = np.array(list(itertools.product((0.0, max_value), repeat=kx.size)))
    return float(np.hypot(patches @ kx.ravel(), patches @ ky.ravel()).max())


__all__ = [
    "mean_kernel", "gaussian_kernel", "gaussian_kernel_integer", "sobel_kernels", "laplace_kernel",
    "sharpen_kernel", "vertical_edge_kernel", "horizontal_edge_kernel", "difference_kernel",
    "filter_channels", "sobel_gradients", "gradient_magnitude", "gradient_direction",
    "max_gradient_magnitude",
]
