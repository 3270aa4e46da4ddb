# cnnlab: `make lab` for students, `make test` for developers and CI.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
# nbgrader shells out to alembic: keep the venv's bin/ first on PATH.
export PATH := $(BIN):$(PATH)

.PHONY: install lab test test-fast bench demo grade formgrade hub clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,grader,demo,hub]"
	touch $(STAMP)

# JupyterLab as students have it (nbgrader's assignment list and Validate, no instructor tools);
# LAB_ARGS passes more options to jupyter lab, e.g. LAB_ARGS="--no-browser --port=8890".
lab: install
	$(BIN)/python -m cnnlab.student_lab notebooks/ $(if $(filter 0,$(shell id -u)),--allow-root,) $(LAB_ARGS)

test: install
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=25

test-fast: install
	$(BIN)/python -m pytest -n 2 -m "not slow and not browser"

bench: install
	$(BIN)/python benchmarks/conv_bench.py
	$(BIN)/python benchmarks/widget_bench.py
	$(BIN)/python benchmarks/grade_bench.py
	$(BIN)/python benchmarks/notebook_bench.py

# The explorers only, no code cells, drawn for a projector (offline): make demo [SCALE=1] [PORT=8866]
# (SCALE=1 gives the size of a notebook).
demo: install
	CNNLAB_SCALE=$(SCALE) $(BIN)/voila demo/lecture_demo.ipynb --no-browser --port=$(or $(PORT),8866) --Voila.ip=127.0.0.1

# Grade one assignment: make grade ASSIGNMENT=03-padding-and-stride [SUBMISSIONS=downloads.zip] [CLUSTER=ADDRESS]
# (without SUBMISSIONS, the ones already collected into grading/submitted/; CLUSTER: a Dask
# scheduler's tcp://HOST:8786, or local:N workers on this machine).
grade: install
	@test -n "$(ASSIGNMENT)" || { echo "usage: make grade ASSIGNMENT=03-padding-and-stride [SUBMISSIONS=path] [CLUSTER=tcp://HOST:8786 or local:N]"; exit 2; }
	$(if $(SUBMISSIONS),$(BIN)/python -m grader collect $(SUBMISSIONS) --assignment $(ASSIGNMENT))
	$(BIN)/python -m grader autograde $(ASSIGNMENT) $(if $(CLUSTER),--cluster $(CLUSTER))
	$(BIN)/python -m grader feedback $(ASSIGNMENT)
	$(BIN)/python -m grader report $(ASSIGNMENT)

# Grade the written answers in nbgrader's formgrader: make formgrade [PORT=8867]
formgrade: install
	$(BIN)/python -m grader formgrade --port $(or $(PORT),8867)

# The course on JupyterHub, a trial on this machine (as root; demo users student1, student2):
# make hub [PORT=8000]. See deploy/jupyterhub/ and the README.
hub: install
	$(BIN)/python deploy/jupyterhub/trial.py --port $(or $(PORT),8000)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
