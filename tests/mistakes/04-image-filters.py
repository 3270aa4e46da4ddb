"""Typical mistakes in notebook 04 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

SOBEL_XY = '''\
def sobel_xy(image):
    fx, fy = sobel_kernels()
    return (convolve2d(image, fx, mode="same", padding_mode="symmetric"),
            convolve2d(image, fy, mode="same", padding_mode="symmetric"))


'''

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
        message=r"gaussian\(5, 1\) has the right shape but wrong values: it is not normalized",
    ),
    dict(
        answer_cell="ex2-strength",
        source=SOBEL_XY + '''\
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
    dict(
        answer_cell="ex1-gaussian",
        source='''\
def gaussian(size, sigma):
    x, y = np.meshgrid(np.arange(size), np.arange(size))     # offsets from the corner, not the centre
    kernel = np.exp(-(x**2 + y**2) / (2 * sigma**2))
    return kernel / kernel.sum()
''',
        fails="test-ex1-gaussian",
        message=r"the offsets start at the corner",
    ),
    dict(
        answer_cell="ex2-strength",
        source=SOBEL_XY + '''\
def strength(image):
    gx, gy = sobel_xy(image)
    return np.abs(gx) + np.abs(gy)                       # the cheap L1 approximation
''',
        fails="test-ex2-strength",
        message=r"strength\(photo crop\) has the right shape but wrong values: it equals \|gx\| \+ \|gy\|",
    ),
    dict(
        answer_cell="ex3-direction",
        source='''\
def direction(image):
    gx, gy = sobel_xy(image)
    return np.arctan2(gx, gy)                            # arguments swapped
''',
        fails="test-ex3-direction",
        message=r"direction\(photo crop\) looks like np\.arctan2\(gx, gy\): the arguments are swapped",
    ),
    dict(
        answer_cell="ex1-gaussian",
        source='''\
def gaussian(size, sigma):
    offsets = np.arange(size) - size // 2
    x, y = np.meshgrid(offsets, offsets)
    kernel = np.exp(-(x**2 + y**2) / (2 * sigma))         # sigma where sigma**2 belongs
    return kernel / kernel.sum()
''',
        fails="test-ex1-gaussian",
        message=r"gaussian\(7, 1\.5\) has the right shape but wrong values: sigma is not squared",
    ),
    dict(
        answer_cell="ex2-strength",
        source=SOBEL_XY + '''\
def strength(image):
    gx, gy = sobel_xy(image)
    return np.abs(gx)                                    # only the derivative to the right
''',
        fails="test-ex2-strength",
        message=r"strength\(photo crop\) has the right shape but wrong values: it equals \|gx\|: the strength combines",
    ),
    dict(
        answer_cell="ex3-direction",
        source='''\
def direction(image):
    gx, gy = sobel_xy(image)
    return np.arctan2(gx, -gy)                           # along the edge: the gradient turned by 90 degrees
''',
        fails="test-ex3-direction",
        message=r"direction\(photo crop\) is a quarter turn \(pi/2\) ahead: that is the direction along the edge",
    ),
    dict(
        answer_cell="ex1-gaussian",
        source='''\
def gaussian(size, sigma):
    offsets = np.arange(size) - size // 2
    return np.exp(-offsets**2 / (2 * sigma**2)) / np.exp(-offsets**2 / (2 * sigma**2)).sum()   # 1D only
''',
        fails="test-ex1-gaussian",
        message=r"gaussian\(5, 1\) has the wrong shape: got \(5,\), expected \(5, 5\)\. It has 1 axes instead of 2",
    ),
    dict(
        answer_cell="ex3-direction",
        source='''\
def direction(image):
    gx, gy = sobel_xy(image)
    return np.degrees(np.arctan2(gy, gx))                # degrees, not radians
''',
        fails="test-ex3-direction",
        message=r"looks like degrees: the angles must be in radians",
    ),
]
