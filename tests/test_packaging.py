"""Packaging: the pins agree, the light import stays light, the entry points exist."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)\s*$")


def pyproject_pins():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    pins = {}
    for spec in specs:
        name, _, version = spec.partition("==")
        assert version, f"pyproject.toml: {spec!r} is not pinned with =="
        pins[name.lower()] = version
    return pins


def environment_pins():
    pins = {}
    for line in (ROOT / "environment.yml").read_text().splitlines():
        match = PIN.match(line)
        if match:
            pins[match.group(1).lower()] = match.group(2)
    return pins


def test_environment_yml_pins_match_pyproject():
    project, conda = pyproject_pins(), environment_pins()
    core = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    missing = [spec for spec in core if spec.partition("==")[0].lower() not in conda]
    assert not missing, f"environment.yml lacks these core dependencies: {missing}"
    differ = {name: (version, project.get(name)) for name, version in conda.items() if project.get(name) != version}
    assert not differ, f"environment.yml and pyproject.toml disagree (env, pyproject): {differ}"


def test_torch_is_pinned_to_the_installed_release():
    """The pin is the torch that runs: a CPU build on a laptop or CI, a CUDA build on a GPU machine."""
    import torch

    assert pyproject_pins()["torch"] == torch.__version__.split("+")[0]


@pytest.mark.parametrize("heavy", ["torch", "matplotlib", "ipywidgets", "sklearn", "skimage", "scipy"])
def test_import_cnnlab_stays_light(heavy):
    code = f"import sys, cnnlab; print({heavy!r} in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", f"import cnnlab imported {heavy}"


def test_ci_runs_the_readme_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test" in (ROOT / "README.md").read_text()


@pytest.mark.slow
def test_conv_bench_runs_and_says_what_it_measured():
    """`make bench`'s first script, once through (a smoke run: its ratios are measurements, not checks)."""
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "conv_bench.py"), "--repeats", "1"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert lines[0].startswith("NumPy BLAS: ") and "CPU capability" in lines[0]
    assert "lecture sizes:" in done.stdout and "forward+backward: median ratio" in done.stdout
