# kieumau — two set-up commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: install run test coverage lint bench clean translations chromium lock

## Every package at the version and with the hashes requirements.lock names (a changed file on the index is
## refused), then the project itself without resolving anything again
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

## Create the SQLite database (or migrate it), load the demo ward when empty, serve on http://127.0.0.1:5000
run: install
	$(FLASK) init-db
	$(FLASK) load-demo
	$(FLASK) run --host 127.0.0.1 --port 5000

## Debian's Chromium for the browser tests (Playwright drives it; its own browser download is not used), and
## the Pango library and a Vietnamese-capable serif font that WeasyPrint needs to make the PDF papers
chromium:
	@need=""; command -v chromium >/dev/null 2>&1 || need="chromium"; \
	 ldconfig -p | grep -q libpangoft2-1.0.so.0 || need="$$need libpango-1.0-0 libpangoft2-1.0-0"; \
	 [ -e /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || need="$$need fonts-dejavu-core"; \
	 [ -z "$$need" ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$need >/dev/null; }
	@chromium --version

## The whole suite, on SQLite and on an embedded PostgreSQL server the tests start themselves, plus the
## browser tests in headless Chromium
test: install chromium
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

## The same suite with line and branch coverage of the app's packages (about twice as slow)
coverage: install chromium
	$(PY) -m pytest --cov=workflow --cov=models --cov=states --cov-branch --cov-report=term:skip-covered

lint: install
	$(VENV)/bin/ruff check .

bench: install
	$(PY) bench/walk_dossiers.py
	$(PY) bench/pages.py
	$(PY) bench/november.py
	$(PY) bench/imports.py 5000

## Re-extract the strings of templates and code, merge them into the English catalog, compile it
translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext -k T --no-location --sort-output -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations -l en --ignore-obsolete
	$(VENV)/bin/pybabel compile -d translations -l en

## Refresh requirements.lock from pyproject.toml (newest versions allowed, every platform's hashes), with uv
lock:
	@test -x $(VENV)/bin/uv || { $(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet uv; }
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --generate-hashes --universal --python-version 3.11 \
		--upgrade --no-header -o requirements.lock

clean:
	rm -rf $(VENV) instance .pytest_cache .coverage
