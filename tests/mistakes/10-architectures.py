"""Typical mistakes in notebook 10 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-vgg16-config",
        source='''\
my_vgg16_config = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M",      # VGG19's blocks
                   512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]
''',
        fails="test-ex1-vgg16-config",
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
        fails="test-ex2-vgg-count",
        message=r"VGG_CONFIGS\[.VGG16.\]\) is \d+, which is too small: add one bias per filter to every convolution",
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
        fails="test-ex3-residual-block",
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
        fails="test-ex3-residual-block",
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
        fails="test-ex3-residual-block",
        message=r"the skip connection is missing",
    ),
    dict(
        answer_cell="ex1-vgg16-config",
        source='''\
my_vgg16_config = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",            # the last max-pool forgotten
                   512, 512, 512, "M", 512, 512, 512]
''',
        fails="test-ex1-vgg16-config",
        message=r"VGG16 has 5 max-pools, one after each block; your config has 4",
    ),
    dict(
        answer_cell="ex2-vgg-count",
        source='''\
def vgg_param_count(config, in_channels=3, input_size=224, num_classes=1000, width=4096):
    total, channels = 0, in_channels
    for item in config:
        if item != "M":
            total += 3 * 3 * channels * item + item
            channels = item
    features = channels * input_size * input_size    # forgot that every "M" halves the size
    for n_in, n_out in [(features, width), (width, width), (width, num_classes)]:
        total += n_in * n_out + n_out
    return total
''',
        fails="test-ex2-vgg-count",
        message=r"which is too large: every 'M' halves the height and the width",
    ),
    dict(
        answer_cell="ex1-vgg16-config",
        source='''\
my_vgg16_config = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M",            # the fourth block too narrow
                   256, 256, 256, "M", 512, 512, 512, "M"]
''',
        fails="test-ex1-vgg16-config",
        message=r"not 138,357,544: check the widths of the blocks",
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
            total += 3 * 3 * channels * item + item
            channels = item
    features = channels * size * size
    for n_in, n_out in [(features, width), (width, width), (width, num_classes)]:
        total += n_in * n_out                        # forgot the dense biases
    return total
''',
        fails="test-ex2-vgg-count",
        message=r"VGG_CONFIGS\[.VGG16.\]\) is \d+, which is too small: add one bias per output to every dense layer",
    ),
]
