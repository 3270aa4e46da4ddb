"""Typical mistakes in notebook 03 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-pad",
        source='''\
def pad(x, p, mode="zeros"):
    x = np.asarray(x, dtype=float)
    n_rows, n_cols = x.shape
    if mode == "zeros":
        out = np.zeros((n_rows + 2 * p, n_cols + 2 * p))
        out[p:p + n_rows, p:p + n_cols] = x
        return out

    def source_index(i, n):
        if mode == "replicate":
            return min(max(i, 0), n - 1)
        if mode == "circular":
            return i % n
        # reflect and symmetric mixed up: both repeat the border pixel
        return -i - 1 if i < 0 else (2 * n - 1 - i if i >= n else i)

    rows = [source_index(i, n_rows) for i in range(-p, n_rows + p)]
    cols = [source_index(j, n_cols) for j in range(-p, n_cols + p)]
    return x[np.ix_(rows, cols)]
''',
        fails="test-ex1-pad",
        message=r"pad\(P3 matrix, 1, 'reflect'\).*border values differ.*padding mode",
    ),
    dict(
        answer_cell="ex2-corr2d-strided",
        source='''\
def corr2d_strided(x, w, stride=1):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    out_h = (x.shape[0] - kh) // stride          # forgot the + 1
    out_w = (x.shape[1] - kw) // stride
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(x[i * stride:i * stride + kh, j * stride:j * stride + kw] * w)
    return out
''',
        fails="test-ex2-corr2d-strided",
        message=r"wrong shape.*Off by one in the output size",
    ),
    dict(
        answer_cell="ex3-output-size",
        source='''\
def output_size(n, f, p=0, s=1):
    return (n + 2 * p - f) // s + 1              # floors silently: never raises
''',
        fails="test-ex3-output-size",
        message=r"output_size\(7, 3, 0, 3\) should raise a ValueError.*fractions are illegal",
    ),
    dict(
        answer_cell="ex1-pad",
        source='''\
def pad(x, p, mode="zeros"):
    x = np.asarray(x, dtype=float)
    n_rows, n_cols = x.shape
    if mode == "zeros":
        out = np.zeros((n_cols + 2 * p, n_rows + 2 * p))      # rows and columns mixed up
        out[p:p + n_rows, p:p + n_cols] = x
        return out
    index = {"reflect": lambda i, n: -i if i < 0 else (2 * (n - 1) - i if i >= n else i),
             "symmetric": lambda i, n: -i - 1 if i < 0 else (2 * n - 1 - i if i >= n else i),
             "replicate": lambda i, n: min(max(i, 0), n - 1),
             "circular": lambda i, n: i % n}[mode]
    rows = [index(i, n_rows) for i in range(-p, n_rows + p)]
    cols = [index(j, n_cols) for j in range(-p, n_cols + p)]
    return x[np.ix_(rows, cols)]
''',
        fails="test-ex1-pad",
        message=r"pad\(3x4 input, 2, 'zeros'\) has the wrong shape: got \(8, 7\), expected \(7, 8\)\. Its axes are in the wrong order",
    ),
    dict(
        answer_cell="ex1-pad",
        source='''\
def pad(x, p, mode="zeros"):
    x = np.asarray(x, dtype=float)
    n_rows, n_cols = x.shape
    if mode == "zeros":
        out = np.zeros((n_rows + 2 * p, n_cols + 2 * p))
        out[p:p + n_rows, p:p + n_cols] = x
        return out
    index = {"reflect": lambda i, n: -i if i < 0 else (2 * (n - 1) - i if i >= n else i),
             "symmetric": lambda i, n: -i - 1 if i < 0 else (2 * n - 1 - i if i >= n else i),
             "replicate": lambda i, n: i % n,                 # replicate and circular mixed up
             "circular": lambda i, n: min(max(i, 0), n - 1)}[mode]
    rows = [index(i, n_rows) for i in range(-p, n_rows + p)]
    cols = [index(j, n_cols) for j in range(-p, n_cols + p)]
    return x[np.ix_(rows, cols)]
''',
        fails="test-ex1-pad",
        message=r"pad\(P3 matrix, 1, 'replicate'\).*border values differ.*padding mode",
    ),
    dict(
        answer_cell="ex2-corr2d-strided",
        source='''\
def corr2d_strided(x, w, stride=1):
    import math
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    out_h = math.ceil((x.shape[0] - kh) / stride) + 1   # ceil instead of floor
    out_w = math.ceil((x.shape[1] - kw) / stride) + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(x[i * stride:i * stride + kh, j * stride:j * stride + kw] * w)
    return out
''',
        fails="test-ex2-corr2d-strided",
        message=r"corr2d_strided\(a float64 array of shape \(7, 8\), a float64 array of shape \(2, 3\), int 2\) raised ValueError",
    ),
    dict(
        answer_cell="ex2-corr2d-strided",
        source='''\
def corr2d_strided(x, w, stride=1):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    out_h = (x.shape[1] - kh) // stride + 1            # the row count from the number of columns
    out_w = (x.shape[1] - kw) // stride + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = np.sum(x[i * stride:i * stride + kh, j * stride:j * stride + kw] * w)
    return out
''',
        fails="test-ex2-corr2d-strided",
        message=r"corr2d_strided\(7x8 input, 2x3 kernel, stride=1\) has the wrong shape: got \(7, 6\), expected \(6, 6\)",
    ),
    dict(
        answer_cell="ex3-output-size",
        source='''\
def output_size(n, f, p=0, s=1):
    if (n - f) % s:                                 # the stride checked before the padding is added
        raise ValueError("stride does not fit")
    if n + 2 * p < f:
        raise ValueError("kernel too large")
    return (n + 2 * p - f) // s + 1
''',
        fails="test-ex3-output-size",
        message=r"output_size\(int 6, int 3, int 1, int 5\) raised ValueError: stride does not fit\. This input must not raise",
    ),
    dict(
        answer_cell="ex3-output-size",
        source='''\
def output_size(n, f, p=0, s=1):
    room = n + 2 * p - f
    if room < 0 or room % s:
        raise ValueError("does not fit")
    return room / s + 1                             # a float
''',
        fails="test-ex3-output-size",
        message=r"output_size\(7, 3, 0, 1\) must be an int, got float 5\.0",
    ),
]
