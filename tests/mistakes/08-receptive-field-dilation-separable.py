"""Typical mistakes in notebook 08 (see tests/test_notebooks.py): one per autograded exercise."""

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
        fails="ex1-receptive-field-test",
        message=r"returned 6, which is wrong.*steps of 2 input pixels",
    ),
    dict(
        answer_cell="ex2-standard-params",
        source='''\
def standard_conv_params(kernel, c_in, c_out, bias=True):
    return kernel * kernel * c_in * c_out        # forgot the biases
''',
        fails="ex2-standard-params-test",
        message=r"standard_conv_params\(5, 3, 10\) is 750, which is too small: .*one bias per filter",
    ),
    dict(
        answer_cell="ex3-separable-params",
        source='''\
def separable_conv_params(kernel, c_in, c_out, bias=True):
    depthwise = kernel * kernel * c_in + c_in     # a bias on the depthwise step too (not Keras')
    pointwise = c_in * c_out + (c_out if bias else 0)
    return depthwise + pointwise
''',
        fails="ex3-separable-params-test",
        message=r"separable_conv_params\(3, 64, 64\) is 4800, which is too large: .*\(no bias\)",
    ),
]
