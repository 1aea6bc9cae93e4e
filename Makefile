# Two commands do all set-up on a fresh machine (Python 3.10+, no venv, no Graphviz):
#   make demo   differentiate-and-draw tour of symdiff (examples/demo.py)
#   make test   the whole test suite and the linter
# `make examples` does the same set-up, then runs every script in examples/ at full settings
# (gates, circuits, second order, optimizers, logistic regression, XOR); pictures go to build/examples/.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo examples test lint graphviz clean fuzz

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# The Python graphviz package only writes DOT; pictures need the `dot` program.
graphviz:
	@if command -v dot >/dev/null 2>&1; then \
		true; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing the Graphviz 'dot' program with apt-get"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null) \
		|| echo "warning: apt-get could not install graphviz; pictures will not render"; \
	else \
		echo "note: Graphviz 'dot' is missing; install it to render pictures:"; \
		echo "      sudo apt-get install graphviz  |  brew install graphviz  |  https://graphviz.org/download/"; \
	fi

demo: $(STAMP) graphviz
	$(PY) examples/demo.py

examples: $(STAMP) graphviz
	@for script in examples/*.py; do \
		echo "$$ $(PY) $$script"; \
		$(PY) $$script || exit 1; \
		echo; \
	done

test: $(STAMP) graphviz
	$(PY) -m pytest -q
	$(PY) -m ruff check symdiff tests examples benchmarks fuzz

lint: $(STAMP)
	$(PY) -m ruff check symdiff tests examples benchmarks fuzz

# Fuzz the parser and the whole pipeline for FUZZ_SECONDS (findings go to build/fuzz/findings/):
#   make fuzz FUZZ_SECONDS=120
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	$(PY) fuzz/fuzz_pipeline.py --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache

# Benchmarks against SymPy, SymEngine, CasADi and JAX (the `bench` extra, each peer installed on its own;
# one that fails to install is reported and its rows read "not installed"). Tables go to benchmarks/RESULTS.md.
#   make bench                  full run (about 15 minutes)
#   make bench ARGS=--quick     small sizes (about 2 minutes); also `make bench-quick`
#   make bench ARGS="--family deep --repeat 3 --timeout 30"
.PHONY: bench bench-quick
bench: $(STAMP)
	$(PY) benchmarks/run.py --install $(ARGS)

bench-quick:
	$(MAKE) bench ARGS="--quick $(ARGS)"
