"""Typical mistakes in notebook 01 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-banded-matrix",
        source='''\
def banded_matrix(w, n):
    w = np.asarray(w, dtype=float)
    k = len(w)
    W = np.zeros((n - k + 1, n))
    for i in range(n - k + 1):
        W[i, i:i + k] = w[::-1]        # flipped: this is the matrix of the true convolution
    return W
''',
        fails="test-ex1-banded-matrix",
        message=r"flipped kernel.*forget to flip",
    ),
    dict(
        answer_cell="ex2-dense-weights",
        source='''\
def dense_weights(input_shape, output_shape, bias=True):
    n_in = input_shape[0] * input_shape[1]          # forgot the colour channels
    n_out = int(np.prod(output_shape))
    return n_in * n_out + (n_out if bias else 0)
''',
        fails="test-ex2-dense-weights",
        message=r"colour channels are inputs too",
    ),
    dict(
        answer_cell="ex3-conv-weights",
        source='''\
def conv_weights(kernel_size, in_channels, filters, bias=True):
    return (kernel_size * kernel_size + (1 if bias else 0)) * filters   # forgot the filter depth
''',
        fails="test-ex3-conv-weights",
        message=r"spans all input channels",
    ),
    dict(
        answer_cell="ex1-banded-matrix",
        source='''\
def banded_matrix(w, n):
    w = np.asarray(w, dtype=float)
    k = len(w)
    W = np.zeros((n - k, n))                 # one row too few: the valid output has n - k + 1 values
    for i in range(n - k):
        W[i, i:i + k] = w
    return W
''',
        fails="test-ex1-banded-matrix",
        message=r"wrong shape: got \(2, 4\), expected \(3, 4\)\. Off by one",
    ),
    dict(
        answer_cell="ex1-banded-matrix",
        source='''\
def banded_matrix(w, n):
    w = np.asarray(w, dtype=float)
    W = np.zeros((n - len(w) + 1, n))
    for i in range(n - len(w) + 1):
        W[i, i] = w[0]                       # written for the two-value kernel of E3 only
        W[i, i + 1] = w[1]
    return W
''',
        fails="test-ex1-banded-matrix",
        message=r"only w\[0\] and w\[1\]",
    ),
    dict(
        answer_cell="ex1-banded-matrix",
        source='''\
def banded_matrix(w, n):
    w = np.asarray(w, dtype=float)
    k = len(w)
    W = np.zeros((n - k + 1, n))
    for i in range(n - k + 1):
        W[i, i + 1:i + k + 1] = w            # starts one column too late: the last row runs off the matrix
    return W
''',
        fails="test-ex1-banded-matrix",
        message=r"banded_matrix\(a float64 array of shape \(2,\), int 4\) raised ValueError.*error is in your code",
    ),
    dict(
        answer_cell="ex2-dense-weights",
        source='''\
def dense_weights(input_shape, output_shape, bias=True):
    n_in = int(np.prod(input_shape))
    n_out = int(np.prod(output_shape))
    return n_in * n_out + (n_in if bias else 0)     # one bias per input instead of per output
''',
        fails="test-ex2-dense-weights",
        message=r"is 48, which is too large: one bias per output value, not per input value",
    ),
    dict(
        answer_cell="ex2-dense-weights",
        source='''\
def dense_weights(input_shape, output_shape, bias=True):
    n_in = int(np.prod(input_shape))
    n_out = int(np.prod(output_shape))
    return n_in * n_out + n_out                     # the bias flag is ignored
''',
        fails="test-ex2-dense-weights",
        message=r"bias=False\) is 34, which is too large: with bias=False there are no biases",
    ),
    dict(
        answer_cell="ex2-dense-weights",
        source='''\
def dense_weights(input_shape, output_shape, bias=True):
    n_in = np.prod(input_shape)
    n_out = np.prod(output_shape)
    return n_in * n_out * 1.0 + (n_out if bias else 0)   # a float: counts are whole numbers
''',
        fails="test-ex2-dense-weights",
        message=r"must be an int, got .*float",
    ),
    dict(
        answer_cell="ex3-conv-weights",
        source='''\
def conv_weights(kernel_size, in_channels, filters, bias=True):
    per_filter = kernel_size * kernel_size * in_channels
    return per_filter * filters * (2 if bias else 1)        # a bias for every weight
''',
        fails="test-ex3-conv-weights",
        message=r"is 18, which is too large: one bias per filter, not one per weight",
    ),
    dict(
        answer_cell="ex3-conv-weights",
        source='''\
def conv_weights(kernel_size, in_channels, filters, bias=True):
    return kernel_size * in_channels * filters + (filters if bias else 0)   # a 1D kernel: F, not F * F
''',
        fails="test-ex3-conv-weights",
        message=r"is 3, which is too small: a kernel_size x kernel_size filter has kernel_size \* kernel_size",
    ),
    dict(
        answer_cell="ex3-conv-weights",
        source='''\
def conv_weights(kernel_size, in_channels, filters, bias=True):
    return kernel_size * kernel_size * in_channels * filters + 1    # one bias for the layer, and always
''',
        fails="test-ex3-conv-weights",
        message=r"is 10, which is too large: with bias=False there are no biases",
    ),
]
