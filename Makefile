# OneWindow — the two commands of CONTRACT.md, plus a few for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export ONEWINDOW_DATA_DIR ?= $(CURDIR)/var

.PHONY: demo install assets test test-sqlite test-postgres lint format messages clean

$(BIN)/onewindow: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(BIN)/onewindow assets

## make assets: the browser libraries from npm's lock file (package-lock.json), copied into the static files
# (git-ignored build output, served by WhiteNoise; the hall's network has no CDN).
ECHARTS := onewindow/stats/static/stats/vendor/echarts.min.js
assets: $(ECHARTS)

$(ECHARTS): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $@)
	cp node_modules/echarts/dist/echarts.min.js $@

## make demo: install, migrate the embedded SQLite database, load the sample (with a few handovers in force and
## cases at every desk), serve on http://127.0.0.1:8000
demo: install
	$(BIN)/onewindow migrate --no-input
	$(BIN)/onewindow load-sample --demo-handovers --cases 300
	@echo "Demo logins: clerk1 (window), issuer1 (issuing), supervisor1, construction-approver, construction-head, sysadmin1 …"
	@if [ -n "$$ONEWINDOW_DEMO_PASSWORD" ]; then echo "Demo password: from ONEWINDOW_DEMO_PASSWORD"; \
	 else echo "Demo password (generated): $$(cat $(ONEWINDOW_DATA_DIR)/demo_password)"; fi
	@echo "supervisor1 and the administrators set up two-factor login (an authenticator app) at their first login; ONEWINDOW_REQUIRE_2FA_ROLES= turns that off for a demo."
	$(BIN)/onewindow serve --host $(HOST) --port $(PORT)

## make test: the whole suite on SQLite, and again on PostgreSQL when ONEWINDOW_TEST_DATABASE_URL is set
# With both databases the two runs go side by side (one per core); each run's output is printed whole when it ends.
test: install
	@if [ -n "$$ONEWINDOW_TEST_DATABASE_URL" ]; then $(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres; \
	 else $(MAKE) --no-print-directory test-sqlite; echo "ONEWINDOW_TEST_DATABASE_URL not set: PostgreSQL run skipped"; fi

test-sqlite:
	ONEWINDOW_DATABASE_URL= ONEWINDOW_DATA_DIR=$(CURDIR)/var/test-sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgres:
	ONEWINDOW_DATABASE_URL=$$ONEWINDOW_TEST_DATABASE_URL ONEWINDOW_DATA_DIR=$(CURDIR)/var/test-postgres $(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## make messages: extract and compile the zh-Hans translations of every app
messages: install
	for app in onewindow onewindow/*/; do \
	  if [ -d $$app/locale ]; then (cd $$app && $(CURDIR)/$(BIN)/django-admin makemessages -l zh_Hans --no-obsolete >/dev/null 2>&1 || true); fi; done
	$(BIN)/onewindow compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var build *.egg-info
