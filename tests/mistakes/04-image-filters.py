"""Typical mistakes in notebook 04 (see tests/test_notebooks.py): one per autograded exercise."""

MISTAKES = [
    dict(
        answer_cell="ex1-gaussian",
        source='''\
def gaussian(size, sigma):
    offsets = np.arange(size) - size // 2
    x, y = np.meshgrid(offsets, offsets)
    return np.exp(-(x**2 + y**2) / (2 * sigma**2))      # not normalized
''',
        fails="test-ex1-gaussian",
        message=r"gaussian\(5, 1\) sums to .*not 1.*normalize",
    ),
    dict(
        answer_cell="ex2-strength",
        source='''\
def sobel_xy(image):
    fx, fy = sobel_kernels()
    return (convolve2d(image, fx, mode="same", boundary="symmetric"),
            convolve2d(image, fy, mode="same", boundary="symmetric"))


def strength(image):
    gx, gy = sobel_xy(image)
    return gx**2 + gy**2                                 # forgot the square root
''',
        fails="test-ex2-strength",
        message=r"equals gx\*\*2 \+ gy\*\*2.*square root",
    ),
    dict(
        answer_cell="ex3-direction",
        source='''\
def direction(image):
    gx, gy = sobel_xy(image)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.arctan(gy / gx)                        # loses the quadrant
''',
        fails="test-ex3-direction",
        message=r"looks like arctan\(gy / gx\).*np\.arctan2",
    ),
]
