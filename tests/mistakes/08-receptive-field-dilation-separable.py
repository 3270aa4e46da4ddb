"""Typical mistakes in notebook 08 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-receptive-field",
        source='''\
def my_receptive_field(layers):
    field = 1
    for kernel, stride, dilation in layers:
        field += dilation * (kernel - 1)          # forgot that strides multiply the step of later layers
    return field
''',
        fails="test-ex1-receptive-field",
        message=r"my_receptive_field\(\[\(3, 1, 1\), \(2, 2, 1\), \(3, 1, 1\)\]\) is 6, which is too small: the "
                r"strides are ignored.*steps of 2 input pixels",
    ),
    dict(
        answer_cell="ex2-standard-params",
        source='''\
def standard_conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_in * c_out        # forgot the biases
''',
        fails="test-ex2-standard-params",
        message=r"standard_conv_params\(5, 3, 10, bias=True\) is 750, which is too small: add one bias per filter",
    ),
    dict(
        answer_cell="ex3-separable-params",
        source='''\
def separable_conv_params(kernel, c_in, c_out, bias=True):
    depthwise = kernel * kernel * c_in + c_in     # a bias on the depthwise step too (not Keras')
    pointwise = c_in * c_out + (c_out if bias else 0)
    return depthwise + pointwise
''',
        fails="test-ex3-separable-params",
        message=r"separable_conv_params\(3, 64, 64, bias=True\) is 4800, which is too large: .*\(no bias\)",
    ),
    dict(
        answer_cell="ex1-receptive-field",
        source='''\
def my_receptive_field(layers):
    field, jump = 1, 1
    for kernel, stride, dilation in layers:
        field += (kernel - 1) * jump              # forgot the dilation
        jump *= stride
    return field
''',
        fails="test-ex1-receptive-field",
        message=r"my_receptive_field\(\[\(3, 1, 2\)\]\) is 3, which is too small: the dilation is ignored",
    ),
    dict(
        answer_cell="ex2-standard-params",
        source='''\
def standard_conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_out + (c_out if bias else 0)    # forgot the depth of the filters
''',
        fails="test-ex2-standard-params",
        message=r"is 260, which is too small: each filter spans all input channels",
    ),
    dict(
        answer_cell="ex3-separable-params",
        source='''\
def separable_conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_in * c_out + (c_out if bias else 0)   # the standard convolution's count
''',
        fails="test-ex3-separable-params",
        message=r"is 36928, which is too large: that is a standard convolution",
    ),
    dict(
        answer_cell="ex1-receptive-field",
        source='''\
def my_receptive_field(layers):
    field, jump = 1, 1
    for kernel, stride, dilation in layers:
        jump *= stride                            # the stride applied before its own layer is counted
        field += dilation * (kernel - 1) * jump
    return field
''',
        fails="test-ex1-receptive-field",
        message=r"is 9, which is too large: a layer's own stride is counted for that layer",
    ),
    dict(
        answer_cell="ex2-standard-params",
        source='''\
def standard_conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_in * c_out + c_out             # the bias flag is ignored
''',
        fails="test-ex2-standard-params",
        message=r"standard_conv_params\(3, 64, 128, bias=False\) is 73856, which is too large: with bias=False "
                r"there are no biases",
    ),
    dict(
        answer_cell="ex3-separable-params",
        source='''\
def separable_conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_out + c_in * c_out + (c_out if bias else 0)   # depthwise per output channel
''',
        fails="test-ex3-separable-params",
        message=r"separable_conv_params\(3, 8, 16, bias=True\) is 288, which is too large: the depthwise step has "
                r"one filter per input channel",
    ),
    dict(
        answer_cell="ex3-separable-params",
        source='''\
def separable_conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_in                              # the depthwise step only
''',
        fails="test-ex3-separable-params",
        message=r"is 576, which is too small: that is the depthwise step only",
    ),
]
