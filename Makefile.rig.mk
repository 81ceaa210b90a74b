# Offline test rig: included by the Makefile.
#   make setup           venv (.tools/venv), terraform shim (.tools/bin/terraform), database binaries
#   make test-moto-fixes pytest of tools/moto_launcher.py's fixes to moto, with boto3
RIG_ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
RIG_PYTHON := $(RIG_ROOT)/.tools/venv/bin/python
RIG_TERRAFORM := $(RIG_ROOT)/.tools/bin/terraform

.PHONY: setup test-moto-fixes

setup:
	bash $(RIG_ROOT)/scripts/setup.sh

test-moto-fixes: setup
	PYTHONDONTWRITEBYTECODE=1 $(RIG_PYTHON) -m pytest -q -p no:cacheprovider $(RIG_ROOT)/tools/test_moto_launcher.py
