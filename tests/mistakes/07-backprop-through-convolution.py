"""Typical mistakes in notebook 07 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

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
        fails="test-ex1-grad-kernel",
        message=r"grad_kernel\(X, dZ\).*equals the result with dZ flipped.*nothing is flipped",
    ),
    dict(
        answer_cell="ex2-grad-bias",
        source='''\
def grad_bias(dz):
    return float(np.mean(dz))        # the mean instead of the sum
''',
        fails="test-ex2-grad-bias",
        message=r"grad_bias\(dZ\) has the right shape but wrong values: it is the mean of dz, not its sum",
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
        fails="test-ex3-grad-input",
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
        fails="test-ex4-conv2d-backward",
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
        fails="test-ex5-numerical-grad",
        message=r"numerical_grad of the lecture loss has the right shape but wrong values: it is a one-sided difference divided by 2h",
    ),
    dict(
        answer_cell="ex1-grad-kernel",
        source='''\
def grad_kernel(x, dz):
    x, dz = np.asarray(x, dtype=float), np.asarray(dz, dtype=float)
    kh, kw = x.shape[0] - dz.shape[0] + 1, x.shape[1] - dz.shape[1] + 1
    dk = np.zeros((kh, kw))
    for m in range(kh):
        for n in range(kw):
            dk[m, n] = np.sum(x[m:m + kh, n:n + kw] * dz)   # windows of the kernel's size, not dz's
    return dk
''',
        fails="test-ex1-grad-kernel",
        message=r"grad_kernel\(a float64 array of shape \(5, 6\), a float64 array of shape \(2, 4\)\) raised ValueError.*error is in your code",
    ),
    dict(
        answer_cell="ex1-grad-kernel",
        source='''\
def grad_kernel(x, dz):
    x, dz = np.asarray(x, dtype=float), np.asarray(dz, dtype=float)
    kh, kw = x.shape[1] - dz.shape[1] + 1, x.shape[0] - dz.shape[0] + 1   # rows and columns mixed up
    dk = np.zeros((kh, kw))
    for m in range(kh):
        for n in range(kw):
            dk[m, n] = np.sum(x[n:n + dz.shape[0], m:m + dz.shape[1]] * dz)
    return dk
''',
        fails="test-ex1-grad-kernel",
        message=r"grad_kernel\(X, dZ\) on the lecture example .*it is the transpose of the expected result",
    ),
    dict(
        answer_cell="ex2-grad-bias",
        source='''\
def grad_bias(dz):
    return np.sum(dz, axis=0)        # summed over one axis only
''',
        fails="test-ex2-grad-bias",
        message=r"grad_bias\(dZ\) has the wrong type: got ndarray, expected float or floating",
    ),
    dict(
        answer_cell="ex3-grad-input",
        source='''\
def grad_input(dz, k):
    dz, k = np.asarray(dz, dtype=float), np.asarray(k, dtype=float)
    kh, kw = k.shape
    padded = np.pad(dz, ((kh - 1, kh - 1), (kw - 1, kw - 1)))
    k = np.flipud(k)                                   # flips one axis only
    dx = np.zeros((dz.shape[0] + kh - 1, dz.shape[1] + kw - 1))
    for i in range(dx.shape[0]):
        for j in range(dx.shape[1]):
            dx[i, j] = np.sum(padded[i:i + kh, j:j + kw] * k)
    return dx
''',
        fails="test-ex3-grad-input",
        message=r"grad_input\(dZ, K\).*flipped top to bottom only \(np.flipud\)",
    ),
    dict(
        answer_cell="ex3-grad-input",
        source='''\
def grad_input(dz, k):
    dz, k = np.asarray(dz, dtype=float), np.rot90(np.asarray(k, dtype=float), 2)
    kh, kw = k.shape
    padded = np.pad(dz, ((kh // 2, kh // 2), (kw // 2, kw // 2)))   # "same" padding instead of K - 1
    dx = np.zeros((padded.shape[0] - kh + 1, padded.shape[1] - kw + 1))
    for i in range(dx.shape[0]):
        for j in range(dx.shape[1]):
            dx[i, j] = np.sum(padded[i:i + kh, j:j + kw] * k)
    return dx
''',
        fails="test-ex3-grad-input",
        message=r"grad_input\(3x2 gradient, 2x3 kernel\) has the wrong shape: got \(4, 2\), expected \(4, 4\)",
    ),
    dict(
        answer_cell="ex4-conv2d-backward",
        source='''\
def my_conv2d_backward(dout, x, w):
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    kh, kw = w.shape[2:]
    for n in range(dout.shape[0]):
        for k in range(dout.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dw[k] += dout[n, k, i, j] * x[n, :, i:i + kh, j:j + kw]
                    dx[n, :, i:i + kh, j:j + kw] += dout[n, k, i, j] * w[k]
    return dx, dw                                  # forgot the bias gradient
''',
        fails="test-ex4-conv2d-backward",
        message=r"my_conv2d_backward on a \(2, 3, 5, 6\) input with 4 filters of 3x2 returned 2 values, expected 3: \(dx, dw, db\)\. Is db missing\?",
    ),
    dict(
        answer_cell="ex4-conv2d-backward",
        source='''\
def my_conv2d_backward(dout, x, w):
    dout, x, w = (np.asarray(a, dtype=float) for a in (dout, x, w))
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    db = dout.sum(axis=(0, 2, 3))
    kh, kw = w.shape[2:]
    for n in range(dout.shape[0]):
        for k in range(dout.shape[1]):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    if n == 0:                     # dw from the first image only
                        dw[k] += dout[n, k, i, j] * x[n, :, i:i + kh, j:j + kw]
                    dx[n, :, i:i + kh, j:j + kw] += dout[n, k, i, j] * w[k]
    return dx, dw, db
''',
        fails="test-ex4-conv2d-backward",
        message=r"dw of my_conv2d_backward.*the first image only: sum dw over the batch",
    ),
    dict(
        answer_cell="ex5-numerical-grad",
        source='''\
def numerical_grad(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        f_minus = f(x)
        grad[index] = (f_plus - f_minus) / (2 * h)   # forgot to restore x[index]
    return grad
''',
        fails="test-ex5-numerical-grad",
        message=r"the input x after numerical_grad returned \(restore every entry you perturbed\) has the right shape but wrong values",
    ),
    dict(
        answer_cell="ex2-grad-bias",
        source='''\
def grad_bias(dz):
    print(np.sum(dz))                # printed, not returned
''',
        fails="test-ex2-grad-bias",
        message=r"grad_bias\(dZ\) has the wrong type: got NoneType, expected float or floating",
    ),
    dict(
        answer_cell="ex5-numerical-grad",
        source='''\
def numerical_grad(f, x, h=1e-5):
    x = np.asarray(x, dtype=float)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + h
        f_plus = f(x)
        x[index] = old - h
        f_minus = f(x)
        x[index] = old
        grad[index] = (f_plus - f_minus) / h          # the central difference spans 2h
    return grad
''',
        fails="test-ex5-numerical-grad",
        message=r"numerical_grad of the lecture loss has the right shape but wrong values: it is twice the gradient",
    ),
]
