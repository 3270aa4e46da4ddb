"""Typical mistakes in notebook 10 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-vgg16-config",
        source='''\
my_vgg16_config = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",      # VGG19's blocks
                   512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
''',
        fails="ex1-vgg16-config-test",
        message=r"VGG16 has 13 convolutions, your config has 16",
    ),
    dict(
        answer_cell="ex2-vgg-count",
        source='''\
def vgg_param_count(config, in_channels=3, input_size=224, num_classes=1000, width=4096):
    total, channels, size = 0, in_channels, input_size
    for item in config:
        if item == "M":
            size //= 2
        else:
            total += 3 * 3 * channels * item          # forgot the conv biases
            channels = item
    features = channels * size * size
    for n_in, n_out in [(features, width), (width, width), (width, num_classes)]:
        total += n_in * n_out + n_out
    return total
''',
        fails="ex2-vgg-count-test",
        message=r"VGG_CONFIGS\[.VGG16.\]\) is \d+, which is too small: count F\*F\*C_in\*C_out \+ C_out per conv",
    ),
    dict(
        answer_cell="ex3-residual-block",
        source='''\
class MyResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return torch.relu(x + self.conv2(torch.relu(self.conv1(x))))   # a ReLU after the addition
''',
        fails="ex3-residual-block-test",
        message=r"MyResidualBlock\(5\) with its random initial weights.*a ReLU is applied after the addition",
    ),
    dict(
        answer_cell="ex3-residual-block",
        source='''\
class MyResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + torch.relu(self.conv2(torch.relu(self.conv1(x))))   # a ReLU on the branch output
''',
        fails="ex3-residual-block-test",
        message=r"a ReLU is applied to the branch before the addition",
    ),
    dict(
        answer_cell="ex3-residual-block",
        source='''\
class MyResidualBlock(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return self.conv2(torch.relu(self.conv1(x)))                  # the skip connection forgotten
''',
        fails="ex3-residual-block-test",
        message=r"the skip connection is missing",
    ),
]
