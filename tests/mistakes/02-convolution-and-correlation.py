"""Typical mistakes in notebook 02 (see tests/test_notebooks.py): one per autograded exercise."""

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
]
