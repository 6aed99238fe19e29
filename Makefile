# Every target sets up .venv itself, so a fresh clone needs nothing but python3 and git.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test demo lint bench venv clean

$(STAMP): pyproject.toml setup.py
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	# phasegate as a real directory too (links to the four source folders, first on sys.path): the editable
	# install's import hook serves it to Python, but tools that walk directories, like import-linter's
	# grimp, find nothing behind a hook. A new module or sub-package shows up through the links at once.
	mkdir -p $(VENV)/package/phasegate
	for d in app widgets phases prompts; do ln -sfn $(CURDIR)/$$d $(VENV)/package/phasegate/$$d; done
	$(BIN)/python -c "import sysconfig, pathlib; pathlib.Path(sysconfig.get_paths()['purelib'], 'phasegate-package.pth').write_text('$(CURDIR)/$(VENV)/package\n')"
	touch $(STAMP)

venv: $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

demo: $(STAMP)
	$(BIN)/phasegate demo

lint: $(STAMP)
	$(BIN)/ruff check app widgets phases prompts tests bench .ci
	$(BIN)/mypy app widgets phases prompts
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) build *.egg-info
