"""Notebook 09's network on two paths: PyTorch's layers and cnnlab's NumPy functions give the same numbers.

The model is the one notebook 09 builds: the source of its cell ``lenet-model`` is executed here, so a
change to the notebook's network is tested too. Its weights are trained briefly (so the feature maps are
not those of a random network) and then run (a) through torch, layer by layer, and (b) through cnnlab's
NumPy ``conv2d``, ``max_pool2d``/``avg_pool2d`` and plain NumPy for ReLU, flatten and the dense layers.
"""

from pathlib import Path

import nbformat
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from cnnlab.conv import conv2d  # noqa: E402
from cnnlab.datasets import load_digits  # noqa: E402
from cnnlab.models import lenet5  # noqa: E402
from cnnlab.pooling import avg_pool2d, max_pool2d  # noqa: E402
from cnnlab.train import fit  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parents[1] / "solutions" / "09-cnn-end-to-end" / "09-cnn-end-to-end.ipynb"


def notebook_model():
    """Build the model exactly as the notebook's cell ``lenet-model`` does."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    (source,) = [c.source for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "lenet-model"]
    namespace = {"torch": torch, "lenet5": lenet5}
    exec(compile(source, "lenet-model", "exec"), namespace)
    return namespace["model"]


def numpy_layer(module, x):
    """Run one torch layer's computation with cnnlab / NumPy on the array ``x``."""
    nn = torch.nn
    params = {name: p.detach().cpu().numpy().astype(np.float64) for name, p in module.named_parameters()}
    if isinstance(module, nn.Conv2d):
        assert module.padding_mode == "zeros"
        return conv2d(x, params["weight"], params.get("bias"), stride=module.stride, padding=module.padding,
                      dilation=module.dilation, groups=module.groups)
    if isinstance(module, (nn.MaxPool2d, nn.AvgPool2d)):
        pool = max_pool2d if isinstance(module, nn.MaxPool2d) else avg_pool2d
        return pool(x, module.kernel_size, stride=module.stride, padding=module.padding)
    if isinstance(module, nn.ReLU):
        return np.maximum(x, 0)
    if isinstance(module, nn.Tanh):
        return np.tanh(x)
    if isinstance(module, nn.Flatten):
        return x.reshape(len(x), -1)
    if isinstance(module, nn.Linear):
        return x @ params["weight"].T + params["bias"]
    if isinstance(module, nn.Dropout):
        return x
    raise AssertionError(f"no NumPy path for {type(module).__name__}: extend numpy_layer")


def leaf_layers(model):
    return [m for m in model.modules() if not any(m.children())]


@pytest.fixture(scope="module")
def digits():
    return load_digits(size=32)


@pytest.fixture(scope="module")
def trained(digits):
    model = notebook_model()
    x, y = digits.train
    fit(model, (x[:256], y[:256]), epochs=1, lr=3e-3, batch_size=64, optimizer="adam", device="cpu", progress=False)
    return model.eval()


def test_notebook_builds_lenet5():
    model = notebook_model()
    assert sum(p.numel() for p in model.parameters()) == 61706
    assert [type(m).__name__ for m in leaf_layers(model)][:3] == ["Conv2d", "ReLU", "MaxPool2d"]


@pytest.mark.slow
def test_layer_by_layer_torch_equals_numpy(trained, digits):
    x_np = digits.x_test[:24].astype(np.float64)
    x_t = torch.from_numpy(digits.x_test[:24])
    for module in leaf_layers(trained):
        with torch.no_grad():
            x_t = module(x_t)
        x_np = numpy_layer(module, x_np)
        assert x_np.shape == tuple(x_t.shape), type(module).__name__
        np.testing.assert_allclose(x_np, x_t.numpy(), rtol=1e-4, atol=1e-4, err_msg=type(module).__name__)


@pytest.mark.slow
def test_whole_network_same_scores_and_predictions(trained, digits):
    x = digits.x_test
    with torch.no_grad():
        scores_torch = trained(torch.from_numpy(x)).numpy()
    scores_numpy = x.astype(np.float64)
    for module in leaf_layers(trained):
        scores_numpy = numpy_layer(module, scores_numpy)
    np.testing.assert_allclose(scores_numpy, scores_torch, rtol=1e-4, atol=1e-4)
    assert np.array_equal(scores_numpy.argmax(1), scores_torch.argmax(1))


@pytest.mark.slow
def test_first_layer_tensor_path(trained, digits):
    """cnnlab's conv2d on a tensor (the GPU path when there is one) equals the torch layer."""
    import copy

    device = "cuda" if torch.cuda.is_available() else "cpu"
    conv = copy.deepcopy(trained.features[0]).to(device)  # a copy: the module-scoped model stays on the CPU
    x = torch.from_numpy(digits.x_test[:8]).to(device)
    maps = conv2d(x, conv.weight.detach(), conv.bias.detach())
    assert isinstance(maps, torch.Tensor) and maps.device.type == device
    with torch.no_grad():
        expected = conv(x)
    torch.testing.assert_close(maps, expected, rtol=1e-3, atol=1e-3)
    maps_numpy = conv2d(digits.x_test[:8], conv.weight.detach().cpu().numpy(), conv.bias.detach().cpu().numpy())
    np.testing.assert_allclose(maps_numpy, expected.cpu().numpy(), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("variant", [dict(activation="tanh", pool="avg")])
def test_original_lenet_variant_paths_agree(variant):
    """LeNet-5 as in the paper (tanh, average pooling): the NumPy path covers it too."""
    torch.manual_seed(1)
    model = lenet5(**variant).eval()
    x = np.random.default_rng(1).random((16, 1, 32, 32), dtype=np.float32)
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    out = x.astype(np.float64)
    for module in leaf_layers(model):
        out = numpy_layer(module, out)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
