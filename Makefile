# LogExaminer Terraform kit. The two commands that matter:
#   make demo   build (the test build), start MariaDB, PostgreSQL and emulated AWS on 127.0.0.1, show the kit's
#               job end to end (users, rotation, rollback, drift, tier policy, profile, destroy), tear down
#   make test   everything: setup, fmt, clippy, unit, integration and Terraform end-to-end tests
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
export CARGO_TERM_COLOR ?= never

TERRAFORM := $(CURDIR)/.tools/bin/terraform
PYTHON    := $(CURDIR)/.tools/venv/bin/python

include Makefile.rig.mk

.PHONY: help build release test demo setup-demo docs bench lambda fmt fmt-check clippy unit hcl-test tools-test clean
.PHONY: dist install-test bench-quick diagram

help:
	@echo "make demo   - the kit's job end to end on local databases and emulated AWS (moto), torn down after"
	@echo "make test   - run every check and test (what CI runs)"
	@echo "make docs   - regenerate docs/ from the provider schema and examples/"
	@echo "make diagram - redraw docs/architecture/complete.svg from examples/complete"
	@echo "make bench  - print performance figures"
	@echo "make lambda - build dist/rotation-lambda.zip"
	@echo "make dist   - release zips, signed SHA256SUMS, manifest and a provider mirror in dist/ (GPG_FINGERPRINT)"

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
# `lambda` first: provider/build.rs embeds dist/rotation-lambda.zip, and the secret_rotation tests fail
# (on purpose) when the provider was built without it.
unit: setup lambda
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

# Redraws docs/architecture/complete.svg from `terraform graph` of examples/complete (hcl-test checks it).
diagram: setup
	UPDATE_DIAGRAM=1 HCL_TEST_RUST=0 bash scripts/hcl_test.sh examples/complete

test: setup fmt-check clippy unit tools-test hcl-test install-test bench-quick demo
	@echo "make test: all checks passed"

# The demo needs MariaDB and PostgreSQL only: its setup skips the MySQL root (`make setup` builds it), and it
# uses the tests' build (dev profile), so that a first `make demo` compiles once and `make test` after it
# reuses that build. provider/tests/demo.rs is also a test target: `make test` runs the demo too.
setup-demo:
	LOGEXAMINER_SETUP_MYSQL=0 bash scripts/setup.sh

demo: setup-demo
	bash scripts/demo.sh

bench: setup
	bash scripts/bench.sh
	bash scripts/bench_db_user.sh
	bash scripts/bench_rotation.sh

lambda: setup
	bash scripts/lambda.sh

clean:
	cargo clean
	rm -rf dist

# Release artifacts as the Terraform registry wants them, plus a provider network mirror (scripts/dist.sh):
# dist/terraform-provider-logexaminer_<version>_{linux_amd64.zip,SHA256SUMS,SHA256SUMS.sig,manifest.json} and
# dist/mirror/. Signs with the GPG key GPG_FINGERPRINT (GNUPGHOME, GPG_PASSPHRASE optional). The release binary
# embeds dist/rotation-lambda.zip, hence `lambda` before `release`.
dist: setup lambda
	$(MAKE) --no-print-directory release
	bash scripts/dist.sh

# `make dist` with a throwaway key, then `terraform init` of it from an HTTPS network mirror and from a local
# registry (signature checked by Terraform), tampered artifacts refused (tests/install).
install-test: setup lambda
	$(MAKE) --no-print-directory release
	PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m pytest -q -p no:cacheprovider tests/install

# `make bench` with tiny counts and one run: every benchmark still runs (CI); the figures mean nothing.
bench-quick:
	BENCH_QUICK=1 $(MAKE) --no-print-directory bench
