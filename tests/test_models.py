"""cnnlab.models: parameter counts, summary tables, the residual block, feature maps."""

import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnnlab.conv import conv2d
from cnnlab.examples import VGG_CONFIGS
from cnnlab.inspection import activations, count_params, saliency, summary
from cnnlab.models import ConvNet, ResidualBlock, alexnet, lenet5, vgg
from cnnlab.shapes import conv_params, dense_params

# Published counts (torchvision's model zoo documents the same numbers).
KNOWN_COUNTS = {
    "VGG11": 132_863_336,
    "VGG13": 133_047_848,
    "VGG16": 138_357_544,
    "VGG19": 143_667_240,
}


@pytest.mark.parametrize("config, expected", sorted(KNOWN_COUNTS.items()))
def test_vgg_counts_match_the_published_numbers(config, expected):
    model = vgg(config, device="meta")
    assert count_params(model) == expected == sum(p.numel() for p in model.parameters())


def test_vgg_bn_adds_four_numbers_per_channel_of_which_two_learn():
    model = vgg("VGG16", batch_norm=True, device="meta")
    assert count_params(model) == 138_365_992  # torchvision's vgg16_bn
    buffers = sum(b.numel() for b in model.buffers())
    assert buffers == (138_365_992 - 138_357_544) + 13  # running mean/var plus one counter per BN


@pytest.mark.parametrize("config", sorted(VGG_CONFIGS))
def test_vgg_counts_match_the_lecture_formulas(config):
    """Rebuild the count with cnnlab.shapes (F*F*D*K + K per conv, in*out + out per dense)."""
    channels, total = 3, 0
    for item in VGG_CONFIGS[config]:
        if item != "M":
            total += conv_params(3, channels, item)
            channels = item
    total += dense_params(512 * 7 * 7, 4096) + dense_params(4096, 4096) + dense_params(4096, 1000)
    assert count_params(vgg(config, device="meta")) == total


def test_alexnet_count():
    model = alexnet(device="meta")
    assert count_params(model) == 61_100_840
    expected = (
        conv_params(11, 3, 64) + conv_params(5, 64, 192) + conv_params(3, 192, 384)
        + conv_params(3, 384, 256) + conv_params(3, 256, 256)
        + dense_params(256 * 6 * 6, 4096) + dense_params(4096, 4096) + dense_params(4096, 1000)
    )  # fmt: skip
    assert count_params(model) == expected


def test_lenet5_count_and_layers():
    model = lenet5()
    expected = (
        conv_params(5, 1, 6) + conv_params(5, 6, 16)
        + dense_params(16 * 5 * 5, 120) + dense_params(120, 84) + dense_params(84, 10)
    )  # fmt: skip
    assert count_params(model) == expected == 61_706
    assert model(torch.zeros(3, 1, 32, 32)).shape == (3, 10)
    assert isinstance(lenet5(activation="tanh", pool="avg").features[1], nn.Tanh)


def test_meta_and_cpu_models_have_the_same_counts():
    for factory in (lenet5, alexnet):
        cpu, meta = factory(), factory(device="meta")
        assert next(cpu.parameters()).device.type == "cpu" and next(meta.parameters()).is_meta
        assert count_params(cpu) == count_params(meta)
        assert [p.shape for p in cpu.parameters()] == [p.shape for p in meta.parameters()]


@pytest.mark.slow
def test_vgg16_built_on_the_cpu_has_the_same_parameters_as_on_meta():
    cpu, meta = vgg("VGG16"), vgg("VGG16", device="meta")
    assert count_params(cpu) == count_params(meta) == sum(p.numel() for p in cpu.parameters())
    assert [p.shape for p in cpu.parameters()] == [p.shape for p in meta.parameters()]


def test_small_vgg_for_small_inputs_runs():
    model = vgg("VGG11", num_classes=10, input_size=32, classifier_width=64)
    assert model.classifier[2].in_features == 512  # 32 / 2**5 = 1 pixel left
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)
    custom = vgg([8, "M", 16, "M"], num_classes=3, input_size=8, classifier_width=10, batch_norm=True)
    assert custom(torch.zeros(1, 3, 8, 8)).shape == (1, 3)


def test_count_params_trainable_only():
    model = lenet5()
    for p in model.features.parameters():
        p.requires_grad_(False)
    frozen = sum(p.numel() for p in model.features.parameters())
    assert count_params(model) == 61_706 - frozen
    assert count_params(model, trainable_only=False) == 61_706


def test_model_factories_reject_bad_input():
    with pytest.raises(ValueError, match="config must be one of 'VGG11'"):
        vgg("VGG17")
    with pytest.raises(ValueError, match="config must be one of .* or a list"):
        vgg([64, "pool"])
    with pytest.raises(ValueError, match="input_size must be at least 32"):
        vgg("VGG16", input_size=16, device="meta")
    with pytest.raises(ValueError, match="activation must be one of 'relu', 'tanh', got 'sigmoid'"):
        lenet5(activation="sigmoid")
    with pytest.raises(ValueError, match="num_classes must be an integer >= 1, got 0"):
        alexnet(num_classes=0, device="meta")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        count_params([1, 2])


def _sequential_shapes(model, x):
    """Output shape of every layer of a ConvNet, computed by applying its layers one by one."""
    shapes = []
    for layer in [*model.features, *model.classifier]:
        x = layer(x)
        shapes.append(tuple(x.shape[1:]))
    return shapes


@pytest.mark.parametrize(
    "make, input_shape",
    [(lenet5, (1, 32, 32)), (lambda: alexnet(num_classes=7), (3, 224, 224)),
     (lambda: vgg("VGG11", num_classes=10, input_size=64, classifier_width=32, batch_norm=True), (3, 64, 64))],
)  # fmt: skip
def test_summary_shapes_match_a_real_forward(make, input_shape):
    model = make().eval()
    table = summary(model, input_shape)
    with torch.no_grad():
        expected = _sequential_shapes(model, torch.randn(1, *input_shape))
    assert [row.output_shape for row in table.rows] == expected
    assert table.output_shape == expected[-1]
    assert sum(row.params for row in table.rows) == table.total_params == count_params(model)


def test_summary_keeps_training_modes_and_handles_batchnorm1d():
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Dropout(0.5))
    model[3].eval()
    table = summary(model, (1, 2, 2))  # BatchNorm1d in training mode refuses a batch of one
    assert table.output_shape == (3,)
    assert [m.training for m in model] == [True, True, True, False]


def test_summary_leaves_the_weights_alone_and_works_on_meta_models():
    model = lenet5()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    summary(model, (1, 32, 32))
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    table = summary(vgg("VGG19", device="meta"), (3, 224, 224))
    assert table.total_params == 143_667_240 and table.output_shape == (1000,)


def test_summary_rows_for_blocks_and_text():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), ResidualBlock(4), nn.Flatten(), nn.Linear(64, 2))
    table = summary(model, (1, 4, 4))
    names = [(row.name, row.layer) for row in table.rows]
    assert names[0] == ("0", "Conv2d") and ("1", "ResidualBlock") in names
    assert names.index(("1", "ResidualBlock")) == names.index(("1.residual.5", "Conv2d")) + 1
    text = repr(table)
    assert "Total params: 482" in text and "1.residual.2 (Conv2d)" in text and "(4, 4, 4)" in text
    html = table._repr_html_()
    assert html.count("<tr>") == len(table.rows) + 1 and "Trainable params: 482" in html


def test_summary_counts_frozen_parameters():
    model = lenet5()
    model.features[0].weight.requires_grad_(False)
    table = summary(model, (1, 32, 32))
    assert table.total_params - table.trainable_params == 150
    assert "Non-trainable params: 150" in repr(table)


def test_summary_bad_input():
    with pytest.raises(TypeError, match="input_shape must be a tuple"):
        summary(lenet5(), 32)
    with pytest.raises(ValueError, match="input_shape must be an integer >= 1, got 0"):
        summary(lenet5(), (1, 0, 32))
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        summary("lenet", (1, 32, 32))


def _zero_all(module):
    with torch.no_grad():
        for p in module.parameters():
            p.zero_()


@pytest.mark.parametrize("batch_norm", [True, False])
@pytest.mark.parametrize("train_mode", [True, False])
def test_residual_block_is_the_identity_with_zero_weights(batch_norm, train_mode):
    block = ResidualBlock(3, batch_norm=batch_norm).train(train_mode)
    _zero_all(block)
    x = torch.randn(4, 3, 6, 6)  # negative values too: a ReLU after the addition would clip them
    assert torch.equal(block(x), x)


def test_residual_block_needs_only_the_last_conv_at_zero():
    block = ResidualBlock(5, kernel_size=5)
    x = torch.randn(2, 5, 7, 7)
    assert not torch.allclose(block(x), x)
    with torch.no_grad():
        block.residual[-1].weight.zero_()
        block.residual[-1].bias.zero_()
    assert torch.equal(block(x), x)
    assert torch.equal(ResidualBlock(5, identity_init=True)(x), x)


def test_residual_block_adds_its_branch_and_has_no_shortcut_parameters():
    block = ResidualBlock(2, batch_norm=False).eval()
    x = torch.randn(1, 2, 5, 5)
    conv1, conv2 = block.residual[2], block.residual[5]
    branch = F.conv2d(F.relu(F.conv2d(F.relu(x), conv1.weight, conv1.bias, padding=1)), conv2.weight, conv2.bias, padding=1)
    torch.testing.assert_close(block(x), x + branch)
    assert count_params(block) == count_params(conv1) + count_params(conv2) == 2 * conv_params(3, 2, 2)
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        ResidualBlock(2, kernel_size=4)


def test_first_lenet_conv_matches_cnnlab_conv2d():
    """The first LeNet layer computed by torch and by cnnlab's NumPy conv2d agree."""
    torch.manual_seed(0)
    model = lenet5()
    x = np.random.default_rng(0).random((3, 1, 32, 32)).astype(np.float32)
    conv = model.features[0]
    expected = conv(torch.from_numpy(x)).detach().numpy()
    ours = conv2d(x, conv.weight.detach().numpy(), conv.bias.detach().numpy())
    assert isinstance(ours, np.ndarray) and ours.shape == (3, 6, 28, 28)
    np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(activations(model, x, names=["features.0"])["features.0"], ours, rtol=1e-5, atol=1e-5)


def test_activations_numpy_and_tensor():
    model = lenet5().eval()
    x = np.random.default_rng(1).random((2, 1, 32, 32))
    maps = activations(model, x)
    assert list(maps) == [f"features.{i}" for i in range(6)] + [f"classifier.{i}" for i in range(6)]
    assert all(isinstance(m, np.ndarray) for m in maps.values())
    np.testing.assert_allclose(maps["classifier.5"], model(torch.tensor(x, dtype=torch.float32)).detach().numpy(), rtol=1e-5)
    tensor_maps = activations(model, torch.tensor(x, dtype=torch.float32), names=["features.5"])
    assert isinstance(tensor_maps["features.5"], torch.Tensor) and tensor_maps["features.5"].shape == (2, 16, 5, 5)
    with pytest.raises(ValueError, match="names must be one of"):
        activations(model, x, names=["conv1"])


def test_convnet_is_features_then_classifier():
    model = ConvNet(nn.Sequential(nn.Flatten()), nn.Sequential(nn.Linear(4, 1)))
    assert model(torch.ones(1, 1, 2, 2)).shape == (1, 1)


def test_import_cnnlab_does_not_import_torch_and_models_builds_nothing():
    code = (
        "import sys, cnnlab; light = 'torch' not in sys.modules; import torch; calls = []; "
        "init = torch.nn.Module.__init__; "
        "torch.nn.Module.__init__ = lambda self, *a, **k: (calls.append(type(self)), init(self, *a, **k))[1]; "
        "import cnnlab.models; print(light, len(calls))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["True", "0"]


def test_summary_names_the_layer_that_cannot_take_its_input():
    from torch import nn

    model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.Flatten(), nn.Linear(28 * 28 * 8, 10))
    with pytest.raises(ValueError, match=r"cannot take an input of shape \(1, 32, 32\): layer 2 \(Linear\(in_features="
                                         r"6272.*gets an input of shape \(8192,\)"):
        summary(model, (1, 32, 32))


class _Masked(nn.Module):
    """A model that cannot see the left half of its input: it multiplies it by zero first."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        mask = torch.ones_like(x)
        mask[..., : x.shape[-1] // 2] = 0
        return self.model(x * mask)


def test_saliency_of_a_pixel_the_model_cannot_see_is_zero():
    torch.manual_seed(0)
    model = _Masked(lenet5())
    x = np.random.default_rng(0).random((3, 1, 32, 32))
    maps = saliency(model, x, target=[1, 2, 3])
    assert maps.shape == (3, 32, 32) and isinstance(maps, np.ndarray)
    assert (maps[..., :16] == 0).all() and (maps[..., 16:] > 0).mean() > 0.5
    assert model.training  # put back as it was


def test_saliency_is_the_gradient_of_the_class_score():
    torch.manual_seed(1)
    model = lenet5().double().eval()
    x = torch.rand(1, 1, 32, 32, dtype=torch.float64)
    maps = saliency(model, x)
    target = model(x).argmax().item()
    h, pixel = 1e-6, (0, 0, 14, 17)
    up, down = x.clone(), x.clone()
    up[pixel] += h
    down[pixel] -= h
    with torch.no_grad():
        numeric = (model(up)[0, target] - model(down)[0, target]) / (2 * h)
    assert isinstance(maps, torch.Tensor)
    assert torch.isclose(maps[0, 14, 17], numeric.abs(), rtol=1e-5, atol=1e-9)
