"""One vocabulary for the whole family: the argument names of cnnlab, NumPy, SciPy and torch.

Every convolution, pooling and backward function takes its arguments in one
order, with one name each (PyTorch's, where PyTorch has one)::

    conv2d(x, w, b=None, *, stride, padding, dilation, groups, padding_mode, impl)
    conv2d_backward(dout, x, w, *, stride, padding, dilation, groups, padding_mode, impl)
    conv_transpose2d(x, w, b=None, *, stride, padding, output_padding, dilation, groups, impl)
    max_pool2d(x, kernel_size, *, stride, padding, impl)
    pad2d(x, padding, padding_mode)
    correlate2d(x, w, mode, *, stride, dilation, padding_mode, impl)

Everything after the arrays is keyword-only, so a call reads the same in every
notebook. ``mode`` keeps SciPy's meaning (the output size: valid, same,
full); the fill of the border is always ``padding_mode``. An old name
(``boundary=``, ``pad2d(mode=...)``) raises a ``TypeError`` that names the new one.

==============  =============================  =============================  ===============================
cnnlab          meaning                        NumPy / SciPy                  torch
==============  =============================  =============================  ===============================
x               the input                      ``in1`` (scipy.signal),        ``input``
                                               ``array`` (np.pad)
w               the kernel / weights           ``in2`` (scipy.signal)         ``weight``
b               one bias per filter            (none)                         ``bias``
dout            upstream gradient dL/dZ        (none)                         ``grad_output`` (torch.nn.grad)
stride          step of the window             (none)                         ``stride``
padding         pixels added per side, or      ``pad_width`` (np.pad)         ``padding``, ``pad`` (F.pad)
                valid / same / full
dilation        gap between kernel taps        (none)                         ``dilation``
groups          channel groups                 (none)                         ``groups``
padding_mode    how the border is filled       ``boundary`` (scipy.signal),   ``padding_mode`` (nn.Conv2d),
                                               ``mode`` (np.pad)              ``mode`` (F.pad)
mode            output size: valid/same/full   ``mode`` (scipy.signal)        (``padding='same'``)
kernel_size     pooling window                 (none)                         ``kernel_size``
output_padding  extra rows (transposed conv)   (none)                         ``output_padding``
impl            naive loops or fast NumPy      (none)                         (none)
==============  =============================  =============================  ===============================

The names of the fills themselves (``zeros``, ``reflect``, ``symmetric``,
``replicate``, ``circular``) and NumPy's and torch's words for them are in
:mod:`cnnlab.padding`.

Examples
--------
>>> SIGNATURES["conv2d"]
('x', 'w', 'b', '*', 'stride', 'padding', 'dilation', 'groups', 'padding_mode', 'impl')
>>> UPSTREAM_NAMES["padding_mode"]["scipy.signal.correlate2d"]
'boundary'
"""

#: ``impl=``: the lecture's loops written out, or the vectorized NumPy path (the default).
IMPLS = ("naive", "fast")

# The order every function of the family follows; '*' marks where keyword-only arguments begin.
SIGNATURES = {
    "conv1d": ("x", "w", "b", "*", "stride", "padding", "dilation", "groups", "padding_mode", "impl"),
    "conv2d": ("x", "w", "b", "*", "stride", "padding", "dilation", "groups", "padding_mode", "impl"),
    "conv2d_backward": ("dout", "x", "w", "*", "stride", "padding", "dilation", "groups", "padding_mode",
                        "impl"),
    "conv_transpose2d": ("x", "w", "b", "*", "stride", "padding", "output_padding", "dilation", "groups",
                         "impl"),
    "correlate2d": ("x", "w", "mode", "*", "stride", "dilation", "padding_mode", "impl"),
    "convolve2d": ("x", "w", "mode", "*", "stride", "dilation", "padding_mode", "impl"),
    "max_pool2d": ("x", "kernel_size", "*", "stride", "padding", "impl"),
    "avg_pool2d": ("x", "kernel_size", "*", "stride", "padding", "impl"),
    "max_pool2d_backward": ("dout", "x", "kernel_size", "*", "stride", "padding", "impl"),
    "avg_pool2d_backward": ("dout", "x", "kernel_size", "*", "stride", "padding", "impl"),
    "pad2d": ("x", "padding", "padding_mode", "*", "kernel_size", "dilation"),
}

# cnnlab's name -> {the upstream function: its name for the same argument}, checked by the tests
# against the installed NumPy, SciPy and torch.
UPSTREAM_NAMES = {
    "x": {"torch.nn.functional.conv2d": "input", "torch.nn.functional.max_pool2d": "input",
          "scipy.signal.correlate2d": "in1", "numpy.pad": "array"},
    "w": {"torch.nn.functional.conv2d": "weight", "scipy.signal.correlate2d": "in2"},
    "b": {"torch.nn.functional.conv2d": "bias"},
    "dout": {"torch.nn.grad.conv2d_input": "grad_output"},
    "stride": {"torch.nn.functional.conv2d": "stride", "torch.nn.functional.max_pool2d": "stride"},
    "padding": {"torch.nn.functional.conv2d": "padding", "torch.nn.functional.pad": "pad",
                "numpy.pad": "pad_width"},
    "dilation": {"torch.nn.functional.conv2d": "dilation"},
    "groups": {"torch.nn.functional.conv2d": "groups"},
    "padding_mode": {"torch.nn.Conv2d": "padding_mode", "torch.nn.functional.pad": "mode",
                     "scipy.signal.correlate2d": "boundary", "numpy.pad": "mode"},
    "mode": {"scipy.signal.correlate2d": "mode"},
    "kernel_size": {"torch.nn.functional.max_pool2d": "kernel_size"},
    "output_padding": {"torch.nn.functional.conv_transpose2d": "output_padding"},
}

__all__ = ["IMPLS", "SIGNATURES", "UPSTREAM_NAMES"]
