"""Typical mistakes in notebook 02 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-corr2d",
        source='''\
def corr2d(x, w):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh, x.shape[1] - kw))      # off by one: valid is N - K + 1
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w)
    return out
''',
        fails="test-ex1-corr2d",
        message=r"wrong shape.*Off by one in the output size",
    ),
    dict(
        answer_cell="ex2-conv2d-single",
        source='''\
def conv2d_single(x, w):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w)     # forgot to flip the kernel
    return out
''',
        fails="test-ex2-conv2d-single",
        message=r"flipped kernel.*forget to flip",
    ),
    dict(
        answer_cell="ex3-conv2d-full",
        source='''\
def conv2d_full(x, w):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    padded = np.pad(x, ((kh // 2, kh // 2), (kw // 2, kw // 2)))   # "same" padding, not "full"
    out = np.zeros((padded.shape[0] - kh + 1, padded.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(padded[i:i + kh, j:j + kw] * w[::-1, ::-1])
    return out
''',
        fails="test-ex3-conv2d-full",
        message=r"has the input.s shape: that is the .same. mode.*N \+ K - 1",
    ),
    dict(
        answer_cell="ex1-corr2d",
        source='''\
def corr2d(x, w):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w[::-1, ::-1])   # a convolution, not a correlation
    return out
''',
        fails="test-ex1-corr2d",
        message=r"corr2d\(C2 input, C2 kernel\) .*equals the result with the flipped kernel",
    ),
    dict(
        answer_cell="ex1-corr2d",
        source='''\
def corr2d(x, w):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[j:j + kh, i:i + kw] * w)     # row and column index swapped
    return out
''',
        fails="test-ex1-corr2d",
        message=r"corr2d\(C2 input, C2 kernel\) has the right shape but wrong values: it is the transpose",
    ),
    dict(
        answer_cell="ex2-conv2d-single",
        source='''\
def conv2d_single(x, w):
    w = np.asarray(w, dtype=float)[::-1, :]          # flips the rows only
    x = np.asarray(x, dtype=float)
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w)
    return out
''',
        fails="test-ex2-conv2d-single",
        message=r"conv2d_single\(4x5 input, 2x3 kernel\).*flipped top to bottom only",
    ),
    dict(
        answer_cell="ex2-conv2d-single",
        source='''\
def conv2d_single(x, w):
    w = np.asarray(w, dtype=float)
    w = w.T if w.shape[0] == w.shape[1] else w[::-1, ::-1]   # transposes a square kernel instead of flipping it
    x = np.asarray(x, dtype=float)
    kh, kw = w.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w)
    return out
''',
        fails="test-ex2-conv2d-single",
        message=r"conv2d_single\(.*kernel\).*the kernel is transposed \(w\.T\), not flipped",
    ),
    dict(
        answer_cell="ex3-conv2d-full",
        source='''\
def conv2d_full(x, w):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    x = np.pad(x, ((kh, kh), (kw, kw)))            # pads K, not K - 1
    w = w[::-1, ::-1]
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w)
    return out
''',
        fails="test-ex3-conv2d-full",
        message=r"conv2d_full\(3x4 input, 3x3 kernel\) has the wrong shape.*Off by two per axis",
    ),
    dict(
        answer_cell="ex3-conv2d-full",
        source='''\
def conv2d_full(x, w):
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    kh, kw = w.shape
    x = np.pad(x, ((kh - 1, kh - 1), (kw - 1, kw - 1)))   # then correlates: the full convolution flips the kernel
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + kh, j:j + kw] * w)
    return out
''',
        fails="test-ex3-conv2d-full",
        message=r"conv2d_full\(3x4 input, 3x3 kernel\).*equals the result with the flipped kernel",
    ),
]
