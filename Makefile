# The two commands the README promises: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.spacy_transfer_installed

.PHONY: setup demo test test-slow bench clean

setup: $(STAMP)

# torch first and pinned: an unpinned torch pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --upgrade pip
	$(BIN)/pip install torch==2.13.0
	$(BIN)/pip install -e ".[test,english,fasttext,transformers,ray]"
	$(BIN)/python -m spacy_transfer download neuralcoref-en
	touch $(STAMP)

demo: setup
	$(BIN)/python -m spacy_transfer demo

test: setup
	$(BIN)/python -m pytest -q tests

test-slow: setup
	$(BIN)/python -m pytest -q --slow tests

clean:
	rm -rf $(VENV) build *.egg-info
