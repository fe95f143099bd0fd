# The README's two commands: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
STAMP  := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-runtime
# Both lock files come from requirements*.txt through `make lock` (uv, with hashes).
LOCK_FLAGS := --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock"
FLASK  := $(BIN)/flask --app wsgi
LOCALES := $(notdir $(wildcard translations/*))
DEMO_STUDENTS ?= 3000

.PHONY: run test test-fast setup setup-runtime catalogs translations migrate demo lint bench \
	clean lock audit

run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: setup-runtime migrate ## serve on 127.0.0.1:$(PORT) with the demo district, and a job worker beside it
	$(FLASK) demo --if-empty --students $(DEMO_STUDENTS) --seed 1
	$(FLASK) jobs work & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The whole suite in two passes, each on both cores (pytest-xdist): the everyday lane, then
# the slow and browser tests (they start servers, browsers and worker processes, and spend
# much of their time waiting on them; each worker has its own live-server port, databases,
# Chromium and Redis database). Work stealing keeps both busy to the end.
test: setup ## the whole suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set)
	$(BIN)/python -m pytest -m "not slow and not browser" -n 2 $(PYTEST_ARGS); first=$$?; \
	$(BIN)/python -m pytest -m "slow or browser" -n 2 --dist worksteal $(PYTEST_ARGS); \
	second=$$?; \
	if [ $$first -eq 5 ] && [ $$second -eq 5 ]; then exit 5; fi; \
	for s in $$first $$second; do if [ $$s -ne 0 ] && [ $$s -ne 5 ]; then exit $$s; fi; done

test-fast: setup ## the everyday lane: all but the `slow` and `browser` tests (`make test` runs them), on 2 processes
	$(BIN)/python -m pytest -m "not slow and not browser" -n 2 -q $(PYTEST_ARGS)

setup: $(STAMP) catalogs

setup-runtime: $(RUN_STAMP) catalogs

# Installs are exact: every package pinned with its hashes (pip refuses anything else).
$(STAMP): requirements-dev.lock requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP) $(RUN_STAMP)

$(RUN_STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	touch $(RUN_STAMP)

lock: ## after changing requirements*.txt: re-resolve both lock files (exact versions, hashes)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet "uv>=0.4"
	$(BIN)/uv pip compile $(LOCK_FLAGS) requirements.txt -o requirements.lock
	$(BIN)/uv pip compile $(LOCK_FLAGS) requirements-dev.txt -c requirements.lock \
		-o requirements-dev.lock

audit: $(STAMP) ## known vulnerabilities of the locked set (skips, saying so, when offline)
	$(BIN)/python tools/audit_lock.py requirements.lock requirements-dev.lock

catalogs: $(RUN_STAMP) ## compile .po → .mo (build output, not committed)
	$(BIN)/pybabel compile -d translations -f --statistics 2>&1 | grep -v "^compiling" || true

translations: $(RUN_STAMP) ## extract every marked string, update each catalog, compile
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 \
		--no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations -f >/dev/null

migrate: $(RUN_STAMP) ## upgrade the database to the newest schema
	$(BIN)/alembic upgrade head

lint: $(STAMP)
	$(BIN)/ruff check .

bench: setup ## every benchmark; each prints one JSON object on its last line
	for b in benchmarks/*.py; do case $$b in */_*) continue;; esac; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) instance .pytest_cache
