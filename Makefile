# LogExaminer Terraform kit. The two commands that matter:
#   make demo   build, start local emulated AWS, apply examples/quickstart, print outputs, tear down
#   make test   everything: setup, fmt, clippy, unit, integration and Terraform end-to-end tests
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
export CARGO_TERM_COLOR ?= never

TERRAFORM := $(CURDIR)/.tools/bin/terraform
PYTHON    := $(CURDIR)/.tools/venv/bin/python

include Makefile.rig.mk

.PHONY: help build release test demo docs bench lambda fmt fmt-check clippy unit hcl-test tools-test clean

help:
	@echo "make demo   - run the quickstart against local emulated AWS (moto)"
	@echo "make test   - run every check and test (what CI runs)"
	@echo "make docs   - regenerate docs/ from the provider schema and examples/"
	@echo "make bench  - print performance figures"
	@echo "make lambda - build dist/rotation-lambda.zip"

build:
	cargo build --workspace --all-targets

release:
	cargo build --release -p terraform-provider-logexaminer

fmt:
	cargo fmt --all
	$(TERRAFORM) fmt -recursive modules examples

fmt-check: setup
	cargo fmt --all -- --check
	$(TERRAFORM) fmt -check -recursive -diff modules examples tests

clippy:
	cargo clippy --workspace --all-targets -- -D warnings

# Unit + integration + Terraform end-to-end tests (the Rust test binaries start
# moto, MariaDB, PostgreSQL and Terraform themselves).
unit: setup
	cargo test --workspace --no-fail-fast

tools-test: setup
	bash tools/aws_schema/fetch.sh
	$(PYTHON) -m pytest -q tools

docs:
	UPDATE_DOCS=1 cargo test -p terraform-provider-logexaminer --test docs -- --nocapture

# Modules and examples: fmt, init, validate and `terraform test` against the aws
# stand-in (schema rebuilt from @cdktn/provider-aws) and our provider. The Rust
# module tests run in `unit`.
hcl-test: setup
	HCL_TEST_RUST=0 bash scripts/hcl_test.sh

test: setup fmt-check clippy unit tools-test hcl-test
	@echo "make test: all checks passed"

demo: setup release
	bash scripts/demo.sh

bench: setup
	bash scripts/bench.sh
	bash scripts/bench_db_user.sh
	bash scripts/bench_rotation.sh

lambda:
	bash scripts/lambda.sh

clean:
	cargo clean
	rm -rf dist
