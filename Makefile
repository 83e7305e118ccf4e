# Siamese networks on MNIST: set-up, notebooks and tests.
#   make lab    create .venv (first time), install, open JupyterLab (notebook 01 first)
#   make test   ruff, the unit tests, then every notebook under nbval
#   make quick  the unit tests without the slow and browser ones (a fast loop while editing)
#   make notebooks  re-execute every notebook in place (outputs, figures, models)
#   make app    the classroom app: the comparison widget alone, for a projector (Voila)
#   make models retrain the shipped pretrained models; make bench: benchmarks
#   make student    student versions of the notebooks (nbgrader) in build/student/
#   make wheel  the installable package (data and pretrained models inside) in dist/
#   make slides reveal.js slides of every notebook in build/slides/ (offline; RISE: make lab)

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
NOTEBOOKS := $(sort $(wildcard notebooks/[0-9][0-9]_*.ipynb))

.PHONY: setup lab test quick lint unit nbval lock minimums wheel wheel-test notebooks models app bench student slides clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found: install it, or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

# Re-resolve requirements.lock: the newest versions pyproject.toml allows, installed into a
# scratch environment and frozen. Re-run the notebooks after it (make notebooks).
EXTRAS := notebooks,app,teach,dev
lock:
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet ".[$(EXTRAS)]"
	{ sed -n '1,2p' requirements.lock; build/lock-venv/bin/python -m pip freeze --exclude siamese-lib; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock && rm -rf build/lock-venv

# The library's tests at the lowest versions pyproject.toml allows (tools/minimums.py reads
# them), in a scratch environment: the check behind its lower bounds.
minimums:
	rm -rf build/min-venv && $(PYTHON) -m venv build/min-venv
	build/min-venv/bin/python -m pip install --quiet $$($(PYTHON) tools/minimums.py) pytest
	build/min-venv/bin/python -m pip install --quiet --no-deps -e .
	build/min-venv/bin/python -m pytest -p no:cacheprovider $$($(PYTHON) tools/minimums.py --tests)
	rm -rf build/min-venv

# --allow-root only where you are root (containers, CI); JupyterLab refuses root otherwise.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# JupyterLab serves the whole repository (the notebooks' links reach README.md and figures/) and
# opens notebook 01; .jupyter/lab/settings/overrides.json opens Markdown files rendered and turns
# off the "Jupyter news" question and update checks (offline classrooms; screenshots).
LAB_SETTINGS := --LabApp.app_settings_dir=.jupyter/lab/settings --LabApp.news_url=None
lab: setup
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=. $(LAB_SETTINGS) \
		--LabApp.default_url=/lab/tree/notebooks/01_mnist.ipynb $(ALLOW_ROOT)

test: lint unit nbval

lint: setup
	$(BIN)/ruff check .

unit: setup
	$(BIN)/python -m pytest tests

quick: setup
	$(BIN)/python -m pytest tests -m "not slow and not browser"

# The notebooks save their figures and models into temporary folders here, so figures/ stays as
# committed and models/ as you left it (notebook 05 loads the model notebook 04 saved).
nbval: setup
ifneq ($(NOTEBOOKS),)
	@figures=$$(mktemp -d); models=$$(mktemp -d); \
	SIAMESE_FIGURES_DIR=$$figures SIAMESE_MODELS_DIR=$$models $(BIN)/python -m pytest \
		--nbval-lax --nbval-current-env --nbval-sanitize-with notebooks/nbval_sanitize.cfg \
		$(NOTEBOOKS); \
	status=$$?; rm -rf $$figures $$models; exit $$status
else
	@echo "nbval: no notebooks yet"
endif

# Re-execute every notebook in place: refreshes outputs, figures/ and models/.
notebooks: setup
	$(BIN)/python -m tools.navigation
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.timeout=1200 \
		--ExecutePreprocessor.record_timing=False $(NOTEBOOKS)
	$(BIN)/jupyter nbconvert --to notebook --inplace --coalesce-streams $(NOTEBOOKS)

# Retrain the models shipped in siamese_lib/data/pretrained/ (about 9 minutes on 2 CPU cores;
# `python -m siamese_lib.pretrained cnn` retrains one).
models: setup
	$(BIN)/python -m siamese_lib.pretrained

# The classroom app (Voila): the comparison widget alone, large, for a projector. Its settings
# (a kernel kept ready, kernels shut down when pages close) are in notebooks/app/voila.py, which
# Voila reads from the folder it starts in.
# `make app APP_THEME=dark` for a dark room (the kernel kept ready is rendered in that theme).
APP_PORT ?= 8866
APP_THEME ?= light
app: setup
	cd notebooks/app && $(abspath $(BIN))/voila app.ipynb --port=$(APP_PORT) --theme=$(APP_THEME)

# The installable package, with the data and pretrained models inside it.
wheel: setup
	rm -rf dist build/lib build/bdist.* && $(BIN)/python -m pip wheel --quiet --no-deps -w dist .

# Install that wheel into a fresh environment outside the repository and use it there.
wheel-test: wheel
	tools/wheel_check.sh dist/siamese_lib-*.whl $(PYTHON)

# Every benchmark runs; the target fails if any prints a FAIL.
bench: setup
	@status=0; $(BIN)/python benchmarks/bench.py || status=1; \
	$(BIN)/python benchmarks/compare_speed.py || status=1; \
	$(BIN)/python benchmarks/one_shot.py || status=1; \
	$(BIN)/python benchmarks/pair_pipeline.py || status=1; \
	$(BIN)/python benchmarks/multi_worker.py || status=1; \
	$(BIN)/python benchmarks/neighbours_memory.py || status=1; \
	$(BIN)/python benchmarks/robust_cnn.py 0 1 2 || status=1; exit $$status

# Student versions (solutions and their outputs removed, nbgrader metadata kept) in
# build/student/; the teacher versions in notebooks/ stay as they are.
student: setup
	$(BIN)/python -m tools.student_build --out build/student

# Slides from the notebooks (reveal.js, no network needed: open build/slides/index.html).
# Live slides: the RISE button in `make lab`. Slide types: python -m tools.slides mark
slides: setup
	$(BIN)/python -m tools.slides build --out build/slides

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
