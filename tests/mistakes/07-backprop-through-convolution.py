"""Typical mistakes in notebook 07 (see tests/test_notebooks.py): one per autograded exercise."""

MISTAKES = [
    dict(
        answer_cell="ex1-grad-kernel",
        source='''\
def grad_kernel(x, dz):
    x, dz = np.asarray(x, dtype=float), np.rot90(np.asarray(dz, dtype=float), 2)   # a true convolution
    kh, kw = x.shape[0] - dz.shape[0] + 1, x.shape[1] - dz.shape[1] + 1
    dk = np.zeros((kh, kw))
    for m in range(kh):
        for n in range(kw):
            dk[m, n] = np.sum(x[m:m + dz.shape[0], n:n + dz.shape[1]] * dz)
    return dk
''',
        fails="ex1-grad-kernel-test",
        message=r"grad_kernel\(X, dZ\).*equals the result with the flipped kernel",
    ),
    dict(
        answer_cell="ex2-grad-bias",
        source='''\
def grad_bias(dz):
    return float(np.mean(dz))        # the mean instead of the sum
''',
        fails="ex2-grad-bias-test",
        message=r"grad_bias\(dZ\) has the right shape but wrong values",
    ),
    dict(
        answer_cell="ex3-grad-input",
        source='''\
def grad_input(dz, k):
    dz, k = np.asarray(dz, dtype=float), np.asarray(k, dtype=float)
    kh, kw = k.shape
    padded = np.pad(dz, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    dx = np.zeros((dz.shape[0] + kh - 1, dz.shape[1] + kw - 1))
    for i in range(dx.shape[0]):
        for j in range(dx.shape[1]):
            dx[i, j] = np.sum(padded[i:i + kh, j:j + kw] * k)     # forgot to rotate the kernel
    return dx
''',
        fails="ex3-grad-input-test",
        message=r"grad_input\(dZ, K\).*equals the result with the flipped kernel",
    ),
    dict(
        answer_cell="ex4-conv2d-backward",
        source='''\
def my_conv2d_backward(dout, x, w):
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    db = dout.sum(axis=(2, 3))                    # forgot to sum over the batch
    kh, kw = w.shape[2:]
    for n in range(dout.shape[0]):
        for k in range(dout.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dw[k] += dout[n, k, i, j] * x[n, :, i:i + kh, j:j + kw]
                    dx[n, :, i:i + kh, j:j + kw] += dout[n, k, i, j] * w[k]
    return dx, dw, db
''',
        fails="ex4-conv2d-backward-test",
        message=r"db of my_conv2d_backward.*has the wrong shape",
    ),
    dict(
        answer_cell="ex5-numerical-grad",
        source='''\
def numerical_grad(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        f_old = f(x)
        x[index] = old + h
        grad[index] = (f(x) - f_old) / (2 * h)     # one-sided difference divided by 2h
        x[index] = old
    return grad
''',
        fails="ex5-numerical-grad-test",
        message=r"numerical_grad of the lecture loss has the right shape but wrong values",
    ),
]
