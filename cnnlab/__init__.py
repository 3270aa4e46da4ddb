"""cnnlab: every idea of the CNN lecture as a function you can call, read and re-implement.

``import cnnlab as cl`` gives the numerical core (NumPy in, NumPy out; a
``torch.Tensor`` in, a tensor out on its device). Widgets, models, plotting and
the student self-checks live in their submodules (``cnnlab.widgets``,
``cnnlab.models``, ``cnnlab.plot``, ``cnnlab.checks``) so that this import stays
light: it loads neither torch, matplotlib nor ipywidgets.

Examples
--------
>>> import cnnlab as cl
>>> cl.correlate2d([[1, 2, 3], [4, 5, 6]], [[1, -1]])
array([[-1., -1.],
       [-1., -1.]])
>>> cl.conv_output_size(7, 3, stride=2)
3
"""

from . import examples
from .backprop import conv2d_backward
from .conv import conv1d, conv2d, convolve2d, correlate2d
from .conv_transpose import conv_transpose2d
from .conv_views import conv_matrix, fft_convolve2d
from .datasets import draw_shape, load_digits, sample_image, synthetic_shapes
from .filters import (
    difference_kernel,
    filter_channels,
    gaussian_kernel,
    gaussian_kernel_integer,
    gradient_direction,
    gradient_magnitude,
    horizontal_edge_kernel,
    laplace_kernel,
    max_gradient_magnitude,
    mean_kernel,
    sharpen_kernel,
    sobel_gradients,
    sobel_kernels,
    vertical_edge_kernel,
)
from .gradcheck import GradientCheck, gradient_check, numerical_gradient, rel_error
from .stacks import receptive_field, summary
from .padding import PADDING_MODES, pad2d, resolve_padding
from .pooling import avg_pool2d, avg_pool2d_backward, global_avg_pool2d, max_pool2d, max_pool2d_backward
from .shapes import (
    conv_operations,
    conv_output_size,
    conv_params,
    conv_transpose_output_size,
    dense_params,
    pool_output_size,
    same_padding,
)
from .train import confusion_matrix, evaluate, fit, predict

__version__ = "0.1.0"
