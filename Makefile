# Shortcuts; each target uses the project's virtual environment (.venv), created if missing.
PY := .venv/bin/python

.venv/bin/python:
	python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]"

.PHONY: test lint demo synth bench ci
test: $(PY)
	$(PY) -m pytest
lint: $(PY)
	.venv/bin/ruff check .
demo: $(PY)
	.venv/bin/campaign-me demo
synth: $(PY)
	.venv/bin/campaign-me synth --seed 2018 --out data/samples
bench: $(PY)
	$(PY) benchmarks/bench_design.py --compare
ci:
	bash .ci/run
