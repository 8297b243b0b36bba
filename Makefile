# The two commands of the README: `make run` serves the shop, `make test` runs the whole test suite.
# `make bench` runs the benchmark (bench/).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app shop
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test lint translations seed clean bench bench-quick

install: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Compiled message catalogues (.mo) are built from the committed .po files.
translations: $(VENV)/.installed
	@$(VENV)/bin/pybabel -q compile -d shop/translations

# gunicorn with worker processes, as in production (gunicorn.conf.py); the first line says where the shop is.
run:
	@echo "Lekker Oost-Vlaams: starting the shop at http://$(HOST):$(PORT)/ (install, migrate, load the reference data, seed when empty; Ctrl+C stops it)"
	@$(MAKE) --no-print-directory install
	@mkdir -p instance
	@$(FLASK) db upgrade
	@$(FLASK) reference-data
	@$(PY) seed_producers.py --if-empty
	@SHOP_BIND=$(HOST):$(PORT) $(VENV)/bin/gunicorn --config gunicorn.conf.py shop.wsgi:app

test: install lint
	$(PY) -m pytest $(PYTEST_ARGS)

# The packages' direction (README, "Layout"): the import-linter contracts in pyproject.toml.
lint: install
	$(VENV)/bin/lint-imports --no-cache

seed: install
	$(FLASK) db upgrade
	$(FLASK) reference-data
	$(PY) seed_producers.py --reset

# The benchmark (bench/README.md): seeds bench_* databases, measures every page, orders and Lighthouse, writes
# bench/results/latest.{json,md}. BENCH_ARGS passes options, e.g. BENCH_ARGS="--only pages --db sqlite --scales 1".
bench: install
	@bench/setup.sh
	$(PY) -m bench $(BENCH_ARGS)

# CI's short form: a second per page, SQLite at 1x, no Lighthouse; no target asserted.
bench-quick: install
	@BENCH_NO_LIGHTHOUSE=1 bench/setup.sh
	$(PY) -m bench --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance/shop.db
