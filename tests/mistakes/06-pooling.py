"""Typical mistakes in notebook 06 (see tests/test_notebooks.py): one per autograded exercise."""

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
        fails="ex1-max-pool-test",
        message=r"my_max_pool2d\(Q1, 2, 2\) has the wrong shape",
    ),
    dict(
        answer_cell="ex2-avg-pool",
        source='''\
def my_avg_pool2d(x, size=2, stride=2):
    return avg_pool2d(x, size, stride=stride)      # calls the library instead of implementing it
''',
        fails="ex2-avg-pool-test",
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
        fails="ex3-max-pool-backward-test",
        message=r"overlapping 3x3 windows, stride 2 has the right shape but wrong values.*argmax.*add up \(\+=\)",
    ),
]
