"""Typical mistakes in notebook 09 (see tests/test_notebooks.py): several per exercise, tried in rounds."""

MISTAKES = [
    dict(
        answer_cell="ex1-build-model",
        source='''\
def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2),          # forgot padding=1
        nn.Conv2d(8, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 6 * 6, 64), nn.ReLU(), nn.Linear(64, 10),
    )
''',
        fails="test-ex1-build-model",
        message=r"layer 0 \(Conv2d\) outputs \(8, 30, 30\).*check padding",
    ),
    dict(
        answer_cell="ex2-train-loop",
        source='''\
def train_epoch(model, x, y, optimizer, batch_size):
    history = fit(model, (x, y), epochs=1, lr=3e-3, batch_size=batch_size, optimizer="adam", progress=False)
    return history.loss[-1]                       # calls fit instead of writing the loop

EPOCHS = 5
LR = 2e-3
''',
        fails="test-ex2-train-loop",
        message=r"train_epoch calls cnnlab\.train\.fit",
    ),
    dict(
        answer_cell="ex3-per-class",
        source='''\
def per_class_accuracy(cm):
    cm = np.asarray(cm, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.diag(cm) / cm.sum(axis=0)       # divides by the predictions (columns), not the true classes
''',
        fails="test-ex3-per-class",
        message=r"for the classes that have examples has the right shape but wrong values: it divides by the column sums",
    ),
    dict(
        answer_cell="ex1-build-model",
        source='''\
def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10),   # sized for 28x28 digits
    )
''',
        fails="test-ex1-build-model",
        message=r"build_model\(\) cannot classify a 1x32x32 digit: .*layer 7 \(Linear\(in_features=784.*input of shape \(1024,\)",
    ),
    dict(
        answer_cell="ex1-build-model",
        source='''\
def build_model():
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.MaxPool2d(2),              # a ReLU forgotten
        nn.Flatten(), nn.Linear(16 * 8 * 8, 64), nn.ReLU(), nn.Linear(64, 10),
    )
''',
        fails="test-ex1-build-model",
        message=r"your model has 9 layers, the table has 10",
    ),
    dict(
        answer_cell="ex2-train-loop",
        source='''\
def train_epoch(model, x, y, optimizer, batch_size):
    model.train()
    total = 0.0
    for batch in torch.randperm(len(x), device=x.device).split(batch_size):
        loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()                           # forgot optimizer.step(): the weights never change
        total += loss.item() * len(batch)
    return total / len(x)

EPOCHS = 3
LR = 2e-3
''',
        fails="test-ex2-train-loop",
        message=r"the loss did not go down .*optimizer\.step\(\)",
    ),
    dict(
        answer_cell="ex3-per-class",
        source='''\
def per_class_accuracy(cm):
    cm = np.asarray(cm, dtype=float)
    return np.trace(cm) / cm.sum()                # the overall accuracy, one number
''',
        fails="test-ex3-per-class",
        message=r"per_class_accuracy on a 3x3 example is one number: the per-class accuracy has one value per class",
    ),
    dict(
        answer_cell="ex2-train-loop",
        source='''\
def train_epoch(model, x, y, optimizer, batch_size):
    model.train()
    for batch in torch.randperm(len(x), device=x.device).split(batch_size):
        loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss                                   # a tensor of the last batch, not the mean as a float

EPOCHS = 1
LR = 2e-3
''',
        fails="test-ex2-train-loop",
        message=r"the value train_epoch returns \(the mean loss, loss\.item\(\)\) has the wrong type: got Tensor, "
                r"expected float",
    ),
    dict(
        answer_cell="ex3-per-class",
        source='''\
def per_class_accuracy(cm):
    cm = np.asarray(cm, dtype=float)
    totals = cm.sum(axis=1)
    return np.diag(cm) / np.maximum(totals, 1)    # 0 for a class without examples, not nan
''',
        fails="test-ex3-per-class",
        message=r"a class without examples has no accuracy; it must give np\.nan \(not 0\)",
    ),
]
