# The two commands of the README: `make run` serves the shop, `make test` runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app shop
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: install run test translations seed clean

install: $(VENV)/.installed translations

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Compiled message catalogues (.mo) are built from the committed .po files.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d shop/translations

run: install
	mkdir -p instance
	$(FLASK) db upgrade
	$(PY) seed_producers.py --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

seed: install
	$(FLASK) db upgrade
	$(PY) seed_producers.py --reset

clean:
	rm -rf $(VENV) instance/shop.db
