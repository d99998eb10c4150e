# Circle: `make run` serves the demo, `make test` lints and runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app circle
HOST ?= 127.0.0.1
PORT ?= 5000
CATALOGUES := $(wildcard circle/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test lint format translations messages migrate-db clean system-packages

# WeasyPrint (PDF downloads) needs Pango and a font from the operating system.
# Installed with apt when missing (as root, or through sudo); a no-op otherwise.
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
system-packages:
	@if ! ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || ! ldconfig -p | grep -q 'libharfbuzz-subset.so.0' || ! fc-list | grep -qi dejavu; then \
	  echo "Installing $(SYSTEM_PACKAGES)"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $(SYSTEM_PACKAGES) >/dev/null; \
	fi

$(STAMP): requirements.txt requirements-dev.txt | system-packages
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy --statistics -i $< -o $@

translations: $(COMPILED)

migrate-db: $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) circle seed-demo --if-empty

run: migrate-db
	HOST=$(HOST) PORT=$(PORT) $(BIN)/python wsgi.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: $(STAMP) translations lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Developers: extract new strings and merge them into every catalogue.
messages: $(STAMP)
	$(BIN)/pybabel extract --ignore-dirs ".* __pycache__" --no-location --sort-output -F babel.cfg -k _l -o circle/translations/messages.pot .
	$(BIN)/pybabel update --no-fuzzy-matching -i circle/translations/messages.pot -d circle/translations

clean:
	rm -rf $(VENV) $(COMPILED) .pytest_cache .ruff_cache

.PHONY: bench
bench: $(STAMP) translations
	$(BIN)/python bench/feed_bench.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/replies.py
	$(BIN)/python bench/board_fanout.py
