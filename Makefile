# Two commands on a fresh machine: `make demo` and `make test`. Both set everything up first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.kzgeo-installed

.PHONY: install demo test lint browser data model bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench,train]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/kzgeo demo --overwrite

# Browser tests need Debian's chromium and chromium-driver; scripts/ensure-chromium.sh installs them when
# it can (root with apt-get) and says so when it cannot.
# pytest's exit status 5 (no test collected) is a failure here, not a pass.
test: install browser
	$(PY) -m pytest -n 2 --dist loadfile; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

browser:
	bash scripts/ensure-chromium.sh

lint: install
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(VENV)/bin/ruff format --check src tests benchmarks scripts

# Rebuild the bundled demo data from ../shared/data (deterministic).
data: install
	$(PY) scripts/build_demo_data.py

# Retrain the dump detector on generated scenes (about 30 minutes on 2 cores: 343 s pixel stage, 1,475 s site stage); writes src/kzgeo/models/.
model: install
	$(PY) scripts/train_dump_model.py

# Each benchmark prints what it measured; benchmarks/README.md records the results.
bench: install
	for b in bench_stats bench_zonal bench_maps eval_dumps bench_dumps shift_dumps holdout_dumps; do $(PY) benchmarks/$$b.py || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
