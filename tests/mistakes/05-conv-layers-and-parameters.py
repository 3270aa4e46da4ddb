"""Typical mistakes in notebook 05 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

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
    "conv2": 4 * 4 * 8 * 16,
    "pool": 0,
    "flatten": 0,
    "dense": 6 * 6 * 16 * 10,
}
params["total"] = sum(params.values())
''',
        fails="test-ex2-param-table",
        message=r"params\['conv1'\] is 72, which is too small: it counts the weights but not the biases",
    ),
    dict(
        answer_cell="ex3-shape-table",
        source='''\
shapes = {
    "conv1": (26, 26, 8),
    "conv2": ((26 - 4) // 2, (26 - 4) // 2, 16),      # forgot the + 1
    "pool": (5, 5, 16),
    "flatten": (5 * 5 * 16,),
    "dense": (10,),
}
''',
        fails="test-ex3-shape-table",
        message=r"the height in shapes\['conv2'\] is off by one: with padding P = 0 and stride S = 2",
    ),
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
                out[k, i, j] = np.sum(x[0, i:i + kh, j:j + kw] * w[k, 0]) + b[k]   # first channel only
    return out
''',
        fails="test-ex1-conv-layer",
        message=r"conv_layer\(x, w, b=0\).*first input channel only",
    ),
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
                out[k, i, j] = np.sum(x[:, i:i + kh, j:j + kw] * w[k])    # the bias forgotten
    return out
''',
        fails="test-ex1-conv-layer",
        message=r"conv_layer\(x, w, b\): the bias is missing",
    ),
    dict(
        answer_cell="ex2-param-table",
        source='''\
params = {
    "conv1": 3 * 3 * 1 * 8 + 8,
    "conv2": 4 * 4 * 8 * 16 + 16,
    "pool": 0,
    "flatten": 0,
    "dense": 12 * 12 * 16 * 10 + 10,   # sized from the map before pooling
}
params["total"] = sum(params.values())
''',
        fails="test-ex2-param-table",
        message=r"params\['dense'\] is 23050, which is too large: it is sized from the map before pooling",
    ),
    dict(
        answer_cell="ex2-param-table",
        source='''\
params = {
    "conv1": 3 * 3 * 1 * 8 + 8,
    "conv2": 4 * 4 * 16 + 16,          # ignores the 8 input channels
    "pool": 0,
    "flatten": 0,
    "dense": 6 * 6 * 16 * 10 + 10,
}
params["total"] = sum(params.values())
''',
        fails="test-ex2-param-table",
        message=r"params\['conv2'\] is 272, which is too small: each filter spans all 8 input channels",
    ),
    dict(
        answer_cell="ex3-shape-table",
        source='''\
shapes = {
    "conv1": (8, 26, 26),                           # (C, H, W): PyTorch's order, not Keras'
    "conv2": (16, 12, 12),
    "pool": (16, 6, 6),
    "flatten": (6 * 6 * 16,),
    "dense": (10,),
}
''',
        fails="test-ex3-shape-table",
        message=r"shapes\['conv1'\] is in \(C, H, W\) order: Keras writes \(H, W, C\), channels last",
    ),
    dict(
        answer_cell="ex3-shape-table",
        source='''\
shapes = {
    "conv1": (26, 26, 8),
    "conv2": ((26 - 4) / 2 + 1, (26 - 4) / 2 + 1, 16),   # / instead of //
    "pool": (6, 6, 16),
    "flatten": (6 * 6 * 16,),
    "dense": (10,),
}
''',
        fails="test-ex3-shape-table",
        message=r"shapes\['conv2'\] holds 12\.0: sizes are whole numbers",
    ),
    dict(
        answer_cell="ex3-shape-table",
        source='''\
shapes = {
    "conv1": (26, 26, 8),
    "conv2": (26 - 4 + 1, 26 - 4 + 1, 16),          # the stride forgotten
    "pool": (11, 11, 16),
    "flatten": (11 * 11 * 16,),
    "dense": (10,),
}
''',
        fails="test-ex3-shape-table",
        message=r"the height in shapes\['conv2'\] ignores the stride: with padding P = 0 and stride S = 2",
    ),
]
