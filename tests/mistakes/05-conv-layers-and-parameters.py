"""Typical mistakes in notebook 05 (see tests/test_notebooks.py): one per autograded exercise."""

MISTAKES = [
    dict(
        answer_cell="ex1-conv-layer",
        source='''\
def conv_layer(x, w, b):
    x, w, b = (np.asarray(a, dtype=float) for a in (x, w, b))
    n_filters, _, kh, kw = w.shape
    out = np.zeros((n_filters, x.shape[1] - kh + 1, x.shape[2] - kw + 1))
    for k in range(n_filters):
        for i in range(out.shape[1]):
            for j in range(out.shape[2]):
                out[k, i, j] = np.sum(x[:, i:i + kh, j:j + kw] * w[k, :, ::-1, ::-1]) + b[k]   # flipped
    return out
''',
        fails="test-ex1-conv-layer",
        message=r"flipped kernel",
    ),
    dict(
        answer_cell="ex2-param-table",
        source='''\
params = {
    "conv1": 3 * 3 * 1 * 8,          # biases forgotten
    "conv2": 3 * 3 * 8 * 16,
    "pool": 0,
    "flatten": 0,
    "dense": 6 * 6 * 16 * 10,
}
params["total"] = sum(params.values())
''',
        fails="test-ex2-param-table",
        message=r"params\['conv1'\] counts the weights but not the biases",
    ),
    dict(
        answer_cell="ex3-shape-table",
        source='''\
shapes = {
    "conv1": (26, 26, 8),
    "conv2": ((26 - 3) // 2, (26 - 3) // 2, 16),      # forgot the + 1
    "pool": (5, 5, 16),
    "flatten": (5 * 5 * 16,),
    "dense": (10,),
}
''',
        fails="test-ex3-shape-table",
        message=r"shapes\['conv2'\].*Off by one",
    ),
]
