# langfuse-aws: one entry point for every task. `make synth` sets up .venv (pinned Python deps)
# and node_modules (pinned aws-cdk CLI) on first use; `make test` also sets up checkov's venv.
SHELL := /bin/bash
ENV ?= example
VENV := .venv
PY := $(VENV)/bin/python
CDK := npx --no-install cdk
CONFIG ?=
OUT ?= cdk.out
# CONFIG=<file> synthesizes any config file; otherwise config/$(ENV).yaml.
CONFIG_FILE := $(if $(CONFIG),$(CONFIG),config/$(ENV).yaml)
# VALIDATE=true runs cdk-nag, the Control Tower rules (cfn-guard) and CloudFormation validation
# during synth (the gate does, for every shipped config; `make deploy` does once per assembly);
# a plain synth runs none of them. A comma-separated subset (cdk-nag,cfn-guard,cloudformation)
# runs only those (`make bench` prices each).
VALIDATE ?= false
CDK_FLAGS := --no-notices --no-version-reporting $(if $(CONFIG),-c config=$(CONFIG),-c env=$(ENV))
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export CDK_DISABLE_CLI_TELEMETRY := true

.PHONY: setup setup-synth setup-checkov synth bootstrap plan mutate test check lint typecheck unit test-fast schema bench compliance diff deploy destroy clean doctor smoke status cost diagram

CHECKOV_VENV := .venv-checkov

# uv installs the pinned dependencies: the same constraints files as pip would, honoured
# exactly, with parallel downloads and a shared cache (~/.cache/uv), in seconds where pip takes
# minutes. It is bootstrapped from PyPI at this exact version into its own small venv, and
# never downloads a Python of its own: the venvs use the python3 that set-up runs with.
UV_VERSION := 0.13.9
UV_VENV := .venv-uv
UV := $(UV_VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never

# What synth needs: the Python deps and the CDK CLI.
setup-synth: $(VENV)/.installed node_modules/.installed

# What the test gate needs on top: checkov.
setup-checkov: $(CHECKOV_VENV)/.installed

setup: setup-synth setup-checkov

# Made from the recipes that need it, never as a prerequisite: a checkout whose venvs are
# ready never builds it, and parallel `make synth` runs never race to create it.
$(UV_VENV)/.installed-$(UV_VERSION):
	@echo "Set-up: installing uv $(UV_VERSION) from PyPI into $(UV_VENV) (a few seconds)."
	rm -rf $(UV_VENV)
	python3 -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)'
	touch $@

# The bytecode is compiled once here (as pip would), with progress lines: each synth then
# starts without compiling aws-cdk-lib again, even where PYTHONDONTWRITEBYTECODE is set.
$(VENV)/.installed: pyproject.toml constraints.txt
	@echo "Set-up of $(VENV): the first run downloads about 450 MB of pinned Python packages (aws-cdk-lib 57 MB, the embedded ClickHouse the backup tests run 180 MB), unpacks them to about 2 GB and compiles them; it usually takes 1-3 minutes on 2 cores (the longer on a busy machine). Progress follows."
	@$(MAKE) --no-print-directory $(UV_VENV)/.installed-$(UV_VERSION)
	python3 -m venv $(VENV)
	$(UV) pip install --python $(PY) -c constraints.txt -e '.[dev]'
	$(PY) scripts/compile_bytecode.py
	touch $@

# checkov pins libraries that clash with cfn-lint and pytest, so it gets its own venv. It runs
# once per gate, so its bytecode is not compiled ahead.
$(CHECKOV_VENV)/.installed: constraints-checkov.txt
	@echo "Set-up of $(CHECKOV_VENV): the first run downloads about 60 MB of pinned packages for checkov; it usually takes under a minute. Progress follows."
	@$(MAKE) --no-print-directory $(UV_VENV)/.installed-$(UV_VERSION)
	python3 -m venv --without-pip $(CHECKOV_VENV)
	$(UV) pip install --python $(CHECKOV_VENV)/bin/python -c constraints-checkov.txt checkov
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Offline by design: --no-lookups makes any context lookup an error instead of an AWS call.
# The config is validated first (a typo in ENV or CONFIG fails before anything is written);
# the assembly is written next to $(OUT) and replaces it only once synthesis (and, with
# VALIDATE, the validation report) pass, so a failed synth leaves the last good $(OUT) as it
# was and keeps its own output in $(OUT).failed. A validating synth records that the validators
# passed on the assembly's content (.validated-<hash>); a synth of the same content keeps it.
synth: setup-synth
	@$(PY) scripts/environment_name.py $(CONFIG_FILE) > /dev/null
	@new="$(OUT).new.$$$$"; rm -rf "$$new"; \
	if $(CDK) synth $(CDK_FLAGS) -c validate=$(VALIDATE) --no-lookups --quiet --output "$$new" \
	    && { [ "$(VALIDATE)" = false ] || $(PY) scripts/check_validation_report.py "$$new"; } \
	    && { [ "$(VALIDATE)" != true ] || $(PY) scripts/validated.py mark "$$new"; } \
	    && { ! compgen -G "$(OUT)/.validated-*" > /dev/null \
	         || $(PY) scripts/validated.py carry $(OUT) "$$new"; }; then \
	  rm -rf $(OUT) && mv "$$new" $(OUT); \
	else \
	  rm -rf $(OUT).failed; if [ -d "$$new" ]; then mv "$$new" $(OUT).failed; fi; \
	  echo "make synth failed: $(OUT) still holds the last good assembly; this attempt's output is in $(OUT).failed." >&2; \
	  exit 1; \
	fi
	$(PY) scripts/summarize.py $(OUT)

# Bootstraps every account/region the environment's stacks need (read from the synthesized
# assembly; us-east-1 too for CloudFront environments). Needs credentials for the account.
bootstrap: synth
	@echo "Bootstrapping the environments these stacks deploy to:"
	@$(PY) scripts/bootstrap_targets.py $(OUT)
	$(CDK) bootstrap --no-notices --app $(OUT)

lint: setup-synth
	$(PY) -m ruff check src tests scripts app.py
	$(PY) -m ruff format --check src tests scripts app.py

typecheck: setup-synth
	$(PY) -m mypy

# Every test (the gate's layer): two processes (pytest-xdist) share the work; each environment
# is still synthesized once per run (tests/conftest.py).
unit: setup
	$(PY) -m pytest -n 2

# The inner loop, well under a minute: every test but the `slow` ones, which need a
# synthesized environment or run a tool (tests/conftest.py marks them). No checkov venv needed.
test-fast: setup-synth
	$(PY) -m pytest -m "not slow" -n auto

# The whole gate: lint, types, unit + template tests, cfn-lint, cdk-nag, logical-id locks.
test: lint typecheck unit

check: test

schema: setup-synth
	$(PY) scripts/write_schema.py schema/environment.schema.json

compliance: setup-synth
	$(PY) scripts/compliance_report.py compliance/REPORT.md

# Breaks each README claim in the code, one at a time, and checks that a test goes red.
mutate: setup
	$(PY) scripts/mutate.py

bench: setup-synth
	$(PY) scripts/bench.py

# Compares every stack of the synthesized assembly with what CloudFormation runs (needs
# credentials). `cdk diff` takes every stack when none is named; it has no --all option.
diff: synth
	$(CDK) diff --no-notices --app $(OUT)

# Lists every resource the new templates would replace or delete, compared with the assembly
# of the last `make deploy` (kept in .deployed/<name>) or, without one or with FROM=aws, with the
# templates CloudFormation runs (needs credentials); fails when a stateful one is among them.
# <name> is the `name:` in the environment's YAML, however it was given (ENV or CONFIG): two
# environments never share a record. It is read once, when a recipe needs it.
DEPLOYED_DIR ?= .deployed
ENV_NAME = $(eval ENV_NAME := $$(shell $(PY) scripts/environment_name.py $(CONFIG_FILE)))$(ENV_NAME)
DEPLOYED = $(DEPLOYED_DIR)/$(or $(ENV_NAME),$(error $(CONFIG_FILE): cannot read the environment's name; make synth says why))
FROM ?=
PLAN_BASE = $(if $(filter aws,$(FROM)),--deployed,$(if $(wildcard $(DEPLOYED)/manifest.json),$(DEPLOYED),--deployed))
# CLICKHOUSE_RESTORE_FROM=<backup> states that ClickHouse's data moves to a new mode through
# that backup (the newest complete one); see docs/clickhouse.md.
PLAN_FLAGS := $(if $(CLICKHOUSE_RESTORE_FROM),--clickhouse-restore-from $(CLICKHOUSE_RESTORE_FROM))
plan: synth
	$(PY) scripts/plan.py $(PLAN_BASE) $(OUT) $(PLAN_FLAGS)

# Refuses to go on when the plan finds data loss, unless ALLOW_DATA_LOSS=yes. A stack that
# reads another's outputs (Fn::GetStackOutput) needs no second, forced deploy: a replaced
# producer always has a new logical id, hence a new output name in the consumer's template
# (tests/test_cross_stack_references.py), so `cdk deploy` updates the consumer.
# The validators run once on the exact assembly it deploys: unless a validating synth already
# passed on this content (.validated-<hash>), it synthesizes again with VALIDATE=true (same
# templates) and stops on any finding; deploying the same assembly again skips them.
deploy: synth
	@$(PY) scripts/validated.py check $(OUT) || $(MAKE) --no-print-directory synth VALIDATE=true
	@$(PY) scripts/plan.py $(PLAN_BASE) $(OUT) $(PLAN_FLAGS) || [ "$(ALLOW_DATA_LOSS)" = "yes" ]
	$(CDK) deploy --no-notices --no-version-reporting --app $(OUT) --all
	rm -rf $(DEPLOYED) && mkdir -p $(DEPLOYED_DIR) && cp -r $(OUT) $(DEPLOYED)

# The operator's command line (langfuse-aws --help): preflight, after-deploy checks, state,
# cost estimate and architecture diagram of the environment.
TARGET_ARG = $(if $(CONFIG),$(CONFIG),$(ENV))
doctor smoke status cost diagram: setup-synth
	$(VENV)/bin/langfuse-aws $@ $(TARGET_ARG)

destroy: setup-synth
	$(CDK) destroy $(CDK_FLAGS) --all

clean:
	rm -rf cdk.out .pytest_cache .mypy_cache .ruff_cache

# The documentation site (docs/, mkdocs.yml): writes the configuration reference from the config
# models, then builds the site into site/ in strict mode, offline (a broken link or anchor, or a
# page left out of the navigation, fails it). The gate builds it too (tests/test_docs.py).
# NO_MKDOCS_2_WARNING silences Material's end-of-life notice, which is not about this site.
.PHONY: docs
docs: setup-synth
	$(PY) scripts/write_config_reference.py docs/configuration-reference.md
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site
