# langfuse-aws: one entry point for every task. Both `make synth` and `make test` set up
# .venv (pinned Python deps) and node_modules (pinned aws-cdk CLI) on first use.
SHELL := /bin/bash
ENV ?= example
VENV := .venv
PY := $(VENV)/bin/python
CDK := npx --no-install cdk
CDK_FLAGS := --no-notices --no-version-reporting -c env=$(ENV)
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: setup synth test check lint typecheck unit schema bench compliance diff deploy destroy clean

CHECKOV_VENV := .venv-checkov

setup: $(VENV)/.installed node_modules/.installed $(CHECKOV_VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# checkov pins libraries that clash with cfn-lint and pytest, so it gets its own venv.
$(CHECKOV_VENV)/.installed: constraints-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -c constraints-checkov.txt checkov
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: setup
	rm -rf cdk.out
	$(CDK) synth $(CDK_FLAGS) --quiet
	$(PY) scripts/summarize.py cdk.out

lint: setup
	$(PY) -m ruff check src tests scripts app.py
	$(PY) -m ruff format --check src tests scripts app.py

typecheck: setup
	$(PY) -m mypy

unit: setup
	$(PY) -m pytest

# The whole gate: lint, types, unit + template tests, cfn-lint, cdk-nag, logical-id locks.
test: lint typecheck unit

check: test

schema: setup
	$(PY) scripts/write_schema.py schema/environment.schema.json

compliance: setup
	$(PY) scripts/compliance_report.py compliance/REPORT.md

bench: setup
	$(PY) scripts/bench.py

diff: setup
	$(CDK) diff $(CDK_FLAGS) --all

deploy: setup
	$(CDK) deploy $(CDK_FLAGS) --all

destroy: setup
	$(CDK) destroy $(CDK_FLAGS) --all

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache
