"""cnnlab.train: fit/evaluate/predict on CPU, determinism, the digits target, clear errors."""

import subprocess
import sys
import time

import numpy as np
import pytest
import sklearn.metrics
import torch
from torch import nn

from cnnlab._backend import resolve_device
from cnnlab.datasets import load_digits
from cnnlab.models import lenet5
from cnnlab.train import Evaluation, History, confusion_matrix, evaluate, fit, predict


def _blobs(n=120, seed=0):
    """Two linearly separable classes of 1x4x4 images: bright or dark."""
    rng = np.random.default_rng(seed)
    y = rng.integers(2, size=n)
    x = rng.normal(size=(n, 1, 4, 4)) + np.where(y == 1, 1.0, -1.0)[:, None, None, None]
    return x.astype(np.float32), y


def _small_model(seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(16, 8), nn.ReLU(), nn.Dropout(dropout), nn.Linear(8, 2))


def test_fit_with_auto_device_learns_on_the_gpu_if_there_is_one():
    model = _small_model()
    history = fit(model, _blobs(), epochs=5, lr=0.05, device="auto", progress=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert isinstance(history, History) and resolve_device("auto").type == expected
    assert history.device == str(resolve_device("auto"))
    assert len(history.loss) == len(history.accuracy) == 5 and history.val_accuracy == []
    assert history.loss[-1] < history.loss[0] and history.accuracy[-1] > 0.9
    assert "History(epochs=5" in repr(history)


def test_fit_is_deterministic_and_leaves_the_global_rng_alone():
    data = _blobs()
    runs = []
    for seed in (3, 3, 4):
        model = _small_model(dropout=0.3)
        torch.manual_seed(123)
        history = fit(model, data, epochs=3, lr=0.05, seed=seed, progress=False)
        runs.append((history.loss, model.state_dict(), torch.rand(1)))
    (loss_a, state_a, after_a), (loss_b, state_b, _), (loss_c, _, _) = runs
    assert loss_a == loss_b and loss_a != loss_c
    assert all(torch.equal(state_a[k], state_b[k]) for k in state_a)
    torch.manual_seed(123)
    assert torch.equal(after_a, torch.rand(1))  # fit restored the global RNG


def test_fit_with_val_data_and_progress_bar(capsys):
    train, val = _blobs(seed=0), _blobs(n=40, seed=1)
    history = fit(_small_model(), train, epochs=2, lr=0.05, optimizer="adam", val_data=val, progress=True)
    assert len(history.val_accuracy) == 2 and 0.0 <= history.val_accuracy[-1] <= 1.0
    assert "training" in capsys.readouterr().err
    assert "val_accuracy=" in repr(history)


def test_fit_accepts_tensors():
    x, y = _blobs()
    history = fit(_small_model(), (torch.from_numpy(x), torch.from_numpy(y)), epochs=2, progress=False)
    assert len(history.loss) == 2


def test_evaluate_predict_and_confusion_matrix_agree():
    x, y = _blobs(n=50, seed=2)
    model = _small_model()
    result = evaluate(model, (x, y), device="cpu", batch_size=7)
    assert isinstance(result, Evaluation) and result.predictions.dtype == np.int64
    with torch.no_grad():
        expected = model.eval()(torch.from_numpy(x)).argmax(dim=1).numpy()
    np.testing.assert_array_equal(result.predictions, expected)
    assert result.accuracy == pytest.approx(np.mean(expected == y))
    np.testing.assert_array_equal(predict(model, x, device="cpu"), expected)
    tensor_labels = predict(model, torch.from_numpy(x))
    assert isinstance(tensor_labels, torch.Tensor) and tensor_labels.tolist() == expected.tolist()
    matrix = confusion_matrix(y, result.predictions, 2)
    assert np.trace(matrix) == np.sum(expected == y)


def test_confusion_matrix_matches_sklearn():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(5, size=200), rng.integers(5, size=200)
    expected = sklearn.metrics.confusion_matrix(y_true, y_pred, labels=range(5))
    np.testing.assert_array_equal(confusion_matrix(y_true, y_pred, 5), expected)
    np.testing.assert_array_equal(confusion_matrix(torch.tensor(y_true), list(y_pred), 5), expected)


@pytest.mark.slow
def test_lenet5_reaches_97_percent_on_digits_within_a_minute():
    digits = load_digits()
    torch.manual_seed(0)
    model = lenet5()
    start = time.perf_counter()
    fit(model, digits.train, device="cpu", progress=False)
    seconds = time.perf_counter() - start
    accuracy, predictions = evaluate(model, digits.test)
    assert accuracy >= 0.97, accuracy
    assert seconds < 60, seconds
    matrix = confusion_matrix(digits.y_test, predictions, 10)
    assert matrix.sum() == 360 and np.trace(matrix) == round(accuracy * 360)


@pytest.mark.parametrize(
    "data, error, message",
    [
        ((np.zeros((4, 1, 4, 4)), np.zeros(3, dtype=int)), ValueError, "one label per image, got 4 images and 3"),
        ((np.zeros((4, 1, 4, 4)), np.zeros(4)), TypeError, r"train_data\[1\] \(labels\) must be a 1-D array of integer"),
        ((np.zeros(4), np.zeros(4, dtype=int)), ValueError, r"train_data\[0\] \(images\) must be a batch"),
        ((np.full((4, 1, 4, 4), np.nan), np.zeros(4, dtype=int)), ValueError, "finite"),
        ((np.zeros((4, 1, 4, 4)), -np.ones(4, dtype=int)), ValueError, "labels >= 0"),
        (np.zeros((4, 1, 4, 4)), TypeError, r"train_data must be a pair \(x, y\)"),
    ],
)
def test_fit_rejects_bad_data(data, error, message):
    with pytest.raises(error, match=message):
        fit(_small_model(), data, epochs=1, progress=False)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"epochs": 0}, ValueError, "epochs must be an integer >= 1, got 0"),
        ({"lr": -0.1}, ValueError, "lr must be a number > 0"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an integer"),
        ({"optimizer": "rmsprop"}, ValueError, "optimizer must be one of 'sgd', 'adam'"),
        ({"device": "tpu"}, ValueError, "device must be"),
        ({"device": "meta"}, ValueError, "device must be 'auto', 'cpu' or 'cuda' to run a model"),
    ],
)
def test_fit_rejects_bad_settings(kwargs, error, message):
    with pytest.raises(error, match=message):
        fit(_small_model(), _blobs(), progress=False, **{"epochs": 1, **kwargs})


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the message on a machine without a GPU")
def test_cuda_without_a_gpu_says_so():
    with pytest.raises(ValueError, match="no CUDA GPU is available: use 'auto' or 'cpu'"):
        fit(_small_model(), _blobs(), epochs=1, device="cuda", progress=False)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_on_cuda_gives_tensors_back_on_the_input_device():
    model = _small_model()
    history = fit(model, _blobs(), epochs=2, device="cuda", progress=False)
    assert history.device.startswith("cuda") and next(model.parameters()).is_cuda
    x = torch.from_numpy(_blobs()[0])
    assert predict(model, x).device.type == "cpu"
    assert predict(model, x.cuda()).is_cuda


def test_bad_val_data_is_refused_before_training():
    with pytest.raises(ValueError, match="val_data must have one label per image"):
        fit(_small_model(), _blobs(), epochs=1, progress=False, val_data=(np.zeros((3, 1, 4, 4)), [0, 1]))


def test_models_on_meta_and_non_models_are_refused():
    with pytest.raises(ValueError, match="meta device"):
        fit(lenet5(device="meta"), _blobs(), epochs=1, progress=False)
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        predict(lambda x: x, np.zeros((1, 1, 4, 4)))


def test_confusion_matrix_bad_input():
    with pytest.raises(ValueError, match=r"y_pred must hold labels >= 0 and < n_classes=2, got values from 0 to 2"):
        confusion_matrix([0, 1], [0, 2], 2)
    with pytest.raises(ValueError, match="same length"):
        confusion_matrix([0, 1], [0], 2)
    with pytest.raises(TypeError, match="y_true must be a 1-D array of integer class labels"):
        confusion_matrix([0.5, 1.0], [0, 1], 2)


def test_fit_restores_the_number_of_cpu_threads():
    before = torch.get_num_threads()
    fit(_small_model(), _blobs(), epochs=1, progress=False, num_threads=1)
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="num_threads must be an integer >= 1"):
        fit(_small_model(), _blobs(), epochs=1, progress=False, num_threads=0)
    assert torch.get_num_threads() == before


def test_importing_train_does_not_import_torch_or_tqdm():
    code = "import sys, cnnlab.train; print('torch' in sys.modules, 'tqdm' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
