"""Typical mistakes in notebook 06 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-max-pool",
        source='''\
def my_max_pool2d(x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    out_h = (x.shape[0] - size) // stride          # off by one: forgot the + 1
    out_w = (x.shape[1] - size) // stride
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].max()
    return out
''',
        fails="test-ex1-max-pool",
        message=r"my_max_pool2d\(Q1, 2, 2\) has the wrong shape",
    ),
    dict(
        answer_cell="ex2-avg-pool",
        source='''\
def my_avg_pool2d(x, size=2, stride=2):
    return avg_pool2d(x, size, stride=stride)      # calls the library instead of implementing it
''',
        fails="test-ex2-avg-pool",
        message=r"my_avg_pool2d calls cnnlab\.pooling\.avg_pool2d: this exercise asks you to implement",
    ),
    dict(
        answer_cell="ex3-max-pool-backward",
        source='''\
def my_max_pool2d_backward(dout, x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    dout = np.asarray(dout, dtype=float)
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * stride:i * stride + size, j * stride:j * stride + size]
            r, c = np.unravel_index(np.argmax(window), window.shape)
            dx[i * stride + r, j * stride + c] = dout[i, j]    # overwrites instead of adding up
    return dx
''',
        fails="test-ex3-max-pool-backward",
        message=r"overlapping 3x3 windows, stride 2 has the right shape but wrong values.*argmax.*add up \(\+=\)",
    ),
    dict(
        answer_cell="ex1-max-pool",
        source='''\
def my_max_pool2d(x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    out_h = (x.shape[0] - size) // stride + 1
    out_w = (x.shape[1] - size) // stride + 1
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = x[i:i + size, j:j + size].max()    # the window does not move by the stride
    return out
''',
        fails="test-ex1-max-pool",
        message=r"my_max_pool2d\(Q1, 2, 2\) has the right shape but wrong values: the windows start at i and j, "
                r"not at i \* stride",
    ),
    dict(
        answer_cell="ex2-avg-pool",
        source='''\
def my_avg_pool2d(x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    out_h = (x.shape[0] - size) // stride + 1
    out_w = (x.shape[1] - size) // stride + 1
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].sum() / size   # not size**2
    return out
''',
        fails="test-ex2-avg-pool",
        message=r"my_avg_pool2d\(Q2, 2, 2\) has the right shape but wrong values: it divides by size: a window "
                r"holds size \* size values",
    ),
    dict(
        answer_cell="ex3-max-pool-backward",
        source='''\
def my_max_pool2d_backward(dout, x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i * stride:i * stride + size, j * stride:j * stride + size] += dout[i, j]   # the whole window
    return dx
''',
        fails="test-ex3-max-pool-backward",
        message=r"on Q1 has the right shape but wrong values: every input of a window gets the window's gradient",
    ),
    dict(
        answer_cell="ex1-max-pool",
        source='''\
def my_max_pool2d(x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    out_h = (x.shape[0] - size) // size + 1            # the windows move by size, not by stride
    out_w = (x.shape[1] - size) // size + 1
    out = np.empty((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            out[i, j] = x[i * size:i * size + size, j * size:j * size + size].max()
    return out
''',
        fails="test-ex1-max-pool",
        message=r"size 3, stride 2 has the wrong shape: got \(1, 2\), expected \(2, 3\): the windows move by size",
    ),
    dict(
        answer_cell="ex2-avg-pool",
        source='''\
def my_avg_pool2d(x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    out = np.empty(((x.shape[0] - size) // stride + 1, (x.shape[0] - size) // stride + 1))   # W from the height
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].mean()
    return out
''',
        fails="test-ex2-avg-pool",
        message=r"size 3, stride 2 has the wrong shape: got \(2, 2\), expected \(2, 3\)\. All its axes have the same "
                r"size: is every size computed from the same axis\?",
    ),
    dict(
        answer_cell="ex3-max-pool-backward",
        source='''\
def my_max_pool2d_backward(dout, x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            window = x[i * stride:i * stride + size, j * stride:j * stride + size]
            r, c = np.unravel_index(np.argmax(window), window.shape)
            dx[r, c] += dout[i, j]                  # forgot the window's offset i * stride, j * stride
    return dx
''',
        fails="test-ex3-max-pool-backward",
        message=r"on Q1 has the right shape but wrong values: all of the gradient lands in the first window",
    ),
    dict(
        answer_cell="ex3-max-pool-backward",
        source='''\
def my_max_pool2d_backward(dout, x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i * stride:i * stride + size, j * stride:j * stride + size] += dout[i, j] / size**2   # average's
    return dx
''',
        fails="test-ex3-max-pool-backward",
        message=r"the gradient is spread evenly, as in average pooling",
    ),
    dict(
        answer_cell="ex1-max-pool",
        source='''\
def my_max_pool2d(x, size=2, stride=2):
    x = np.asarray(x, dtype=float)
    out = np.zeros(((x.shape[0] - size) // stride + 1, (x.shape[1] - size) // stride + 1))
    for i in range(out.shape[0] - 1):                 # stops one row of windows early
        for j in range(out.shape[1]):
            out[i, j] = x[i * stride:i * stride + size, j * stride:j * stride + size].max()
    return out
''',
        fails="test-ex1-max-pool",
        message=r"my_max_pool2d\(Q1, 2, 2\) has the right shape but wrong values.*row 1",
    ),
]
