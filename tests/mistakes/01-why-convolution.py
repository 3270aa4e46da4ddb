"""Typical mistakes in notebook 01 (see tests/test_notebooks.py): one per autograded exercise."""

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
]
