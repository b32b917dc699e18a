# Cabinet — two commands: `make run` and `make test`. Every target bootstraps what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000
export PLAYWRIGHT_BROWSERS_PATH := 0

.PHONY: run serve test lint bench setup init browser-deps bench-deps clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Re-install whenever the pinned dependencies change.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# Keys, encrypted database, migrations: all that serving needs.
setup: $(VENV)/.installed
	$(FLASK) init

# The same, plus the fictitious demo data and its accounts (make run).
init: setup
	$(FLASK) seed-demo --if-empty
	@$(FLASK) demo-accounts

# Set everything up, then serve on http://localhost:$(PORT).
run: init
	@echo "Cabinet : http://localhost:$(PORT)"
	$(FLASK) run --host $(HOST) --port $(PORT)

# Production serving: gunicorn, one sync worker per core, HTTPS with the instance's own
# certificate authority (created on the first start in instance/tls/, renewed when due),
# keys checked before the workers start (gunicorn.conf.py, docs/operations.md, docs/tablets.md).
# HOST=0.0.0.0 serves the practice's network (and announces CABINET_HOSTNAME by mDNS).
# Never loads the demo: a new instance starts empty and says how to create its first admin.
serve: setup
	@echo "Cabinet : https://localhost:$(PORT) (certificat : $${CABINET_INSTANCE:-instance}/tls/ca.crt)"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py

# Debian's chromium (never a downloaded browser), poppler for the PDF checks, and certutil
# (libnss3-tools) for the browser test that trusts the instance's CA over real HTTPS.
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v pdfinfo >/dev/null || ! command -v certutil >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium poppler-utils fonts-liberation libnss3-tools >/dev/null; \
	  else echo "Installez chromium, poppler-utils et libnss3-tools (apt-get install chromium poppler-utils libnss3-tools)."; exit 1; fi; \
	fi

test: $(VENV)/.installed browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# wrk (Debian) drives the HTTP benchmark, as Chromium drives the browser tests.
bench-deps:
	@if ! command -v wrk >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; \
	  else echo "Installez wrk (apt-get install wrk)."; exit 1; fi; \
	fi

bench: $(VENV)/.installed browser-deps bench-deps
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache test-output
