# Shortcuts; each target uses the project's virtual environment (.venv), created if missing.
PY := .venv/bin/python

.venv/bin/python:
	python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]"

.PHONY: test lint demo synth bench ci wheelhouse report synthesis handouts workshop laptop-check
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
# The sample countries' reports (reports/<country>/index.html) and the regional synthesis.
report: $(PY)
	.venv/bin/campaign-me batch --out reports
synthesis: report
	.venv/bin/campaign-me synthesis --out reports
ci:
	bash .ci/run

# Offline installation (a workshop room without internet): on a connected machine with the same
# operating system and Python version as the room's, collect every wheel campaign_me needs (with the
# build tools an install from source needs) into wheelhouse/; copy this folder, wheelhouse/ included,
# to the room and install there with
#   python3 -m venv .venv && .venv/bin/pip install --no-index --find-links wheelhouse -e ".[test]"
# (docs/installation.md gives the Windows form).
wheelhouse: $(PY)
	$(PY) -m pip wheel --wheel-dir wheelhouse ".[test]" setuptools wheel

# Participant handouts: docs/handouts/*.md from the notebooks (committed; a test fails when stale), and
# print-ready HTML (A4) of every handout and documentation page, course pack included, in reports/print/.
handouts: $(PY)
	$(PY) -c "from campaign_me.workbook import write_handouts; write_handouts('notebooks', 'docs/handouts')"
	$(PY) -c "from campaign_me.workshop import write_print_pages; write_print_pages('reports/print')"

# A workshop laptop: check it (PASS/FAIL per item), then working copies of the lessons and JupyterLab on
# them (in ~/campaign_me_workshop; .venv/bin/campaign-me workshop --reset restores them between groups).
laptop-check: $(PY)
	.venv/bin/campaign-me workshop --check
workshop: $(PY)
	.venv/bin/campaign-me workshop
