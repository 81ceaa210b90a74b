#!/usr/bin/env bash
# `make hcl-test`: the HCL modules and examples checked by a real Terraform core against the real provider
# schemas, offline.
#
#   1. builds the aws stand-in (registry.terraform.io/hashicorp/aws 6.66.0, serving the hashicorp/aws schema
#      rebuilt from @cdktn/provider-aws) and our provider (registry.terraform.io/logexaminer/logexaminer 0.1.0);
#   2. rebuilds the aws schema (tools/aws_schema/fetch.sh + extract.py; the npm package is cached in tests/.cache);
#   3. installs both providers into a filesystem mirror with a CLI configuration of its own;
#   4. `terraform fmt -check` of modules/ and examples/;
#   5. for every module and example (in a scratch copy, so the tree gets no .terraform/ or lock files):
#      `terraform init`, `terraform validate`, and `terraform test` when it has tests/*.tftest.hcl;
#   6. `tools/gen_module_docs.py --check` (README tables up to date), and docs/architecture/complete.svg drawn from
#      `terraform graph` of examples/complete (`tools/architecture_diagram.py --check`; UPDATE_DIAGRAM=1 rewrites it);
#   7. `tools/aws_schema/check_hcl_refs.py` against both providers' schemas as Terraform reports them
#      (`terraform providers schema -json`);
#   8. `cargo test -p terraform-provider-aws-standin -p logexaminer-module-tests`: the stand-in's fake rules and its
#      own run under Terraform; examples/complete applied against the stand-in plus our provider against moto
#      (no-op plan, destroy); planted misspellings / wrong types in every module that validate must reject
#      (skip with HCL_TEST_RUST=0, e.g. when `cargo test --workspace` already ran them).
#
# Prints a summary; exits 1 when any step failed. Logs: tests/.cache/hcl-test/logs/.
# Usage: scripts/hcl_test.sh [DIR ...]   (default: modules/* and examples/{complete,existing-stack,quickstart})
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.tools/venv/bin/python"
TF="$ROOT/.tools/bin/terraform"
CACHE="$ROOT/tests/.cache"
WORK="$CACHE/hcl-test"
LOGS="$WORK/logs"
SRC="$WORK/src"
SCHEMA="$CACHE/aws-schema.json"
AWS_VERSION="6.66.0"
LX_VERSION="0.1.0"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/debug"

declare -a RESULTS=()
FAILED=0
TOTAL=0

say() { printf '\n==> %s\n' "$*"; }

# record NAME STATUS [DETAIL]
record() {
    TOTAL=$((TOTAL + 1))
    if [[ "$2" == PASS ]]; then
        RESULTS+=("PASS  $1${3:+  ($3)}")
    else
        FAILED=$((FAILED + 1))
        RESULTS+=("FAIL  $1${3:+  ($3)}")
    fi
}

# run NAME LOGFILE CMD... : runs CMD with output to LOGFILE, records the result, shows the log tail on failure.
run() {
    local name="$1" log="$2"
    shift 2
    if "$@" >"$log" 2>&1; then
        record "$name" PASS
        return 0
    fi
    record "$name" FAIL "log: ${log#"$ROOT"/}"
    echo "---- $name failed; last lines of $log:" >&2
    tail -n 40 "$log" >&2
    echo "----" >&2
    return 1
}

summary() {
    say "hcl-test summary"
    printf '  %s\n' "${RESULTS[@]}"
    if ((FAILED > 0)); then
        echo "hcl-test: FAILED: $FAILED of $TOTAL steps failed" >&2
        exit 1
    fi
    echo "hcl-test: all $TOTAL steps passed"
}

# A step the rest cannot do without.
fatal() {
    record "$1" FAIL "${2:-}"
    summary
    exit 1
}

for f in "$PY" "$TF"; do
    [[ -x "$f" ]] || { echo "hcl-test: $f is missing: run make setup first" >&2; exit 1; }
done

rm -rf "$WORK"
mkdir -p "$LOGS" "$SRC"

# ---- 1. build ----------------------------------------------------------------------------------------------------
say "building the aws stand-in and the logexaminer provider (debug)"
run "cargo build (stand-in, provider)" "$LOGS/build.log" \
    cargo build -p terraform-provider-aws-standin -p terraform-provider-logexaminer ||
    fatal "providers must build"

# ---- 2. aws schema -----------------------------------------------------------------------------------------------
say "rebuilding the hashicorp/aws $AWS_VERSION schema from @cdktn/provider-aws"
if run "fetch @cdktn/provider-aws" "$LOGS/fetch.log" bash "$ROOT/tools/aws_schema/fetch.sh"; then
    PKG="$(tail -n 1 "$LOGS/fetch.log")"
else
    fatal "the npm package is needed for the aws schema"
fi
run "extract aws schema" "$LOGS/extract.log" \
    "$PY" "$ROOT/tools/aws_schema/extract.py" --package "$PKG" --out "$SCHEMA" ||
    fatal "the aws schema is needed by every later step"
grep -h 'wrote' "$LOGS/extract.log" || true

# ---- 3. mirror and CLI configuration -----------------------------------------------------------------------------
MIRROR="$WORK/mirror"
install_provider() { # SRC_BINARY NAMESPACE TYPE VERSION
    local dir="$MIRROR/registry.terraform.io/$2/$3/$4/linux_amd64"
    mkdir -p "$dir"
    ln -f "$1" "$dir/terraform-provider-$3_v$4" 2>/dev/null || cp "$1" "$dir/terraform-provider-$3_v$4"
}
install_provider "$TARGET/terraform-provider-aws-standin" hashicorp aws "$AWS_VERSION"
install_provider "$TARGET/terraform-provider-logexaminer" logexaminer logexaminer "$LX_VERSION"
cat >"$WORK/terraform.rc" <<EOF
disable_checkpoint = true

provider_installation {
  filesystem_mirror {
    path = "$MIRROR"
  }
}
EOF
for v in $(env | sed -n 's/^\(TF_CLI_ARGS[A-Za-z_]*\)=.*/\1/p'); do unset "$v"; done
unset TF_DATA_DIR TF_PLUGIN_CACHE_DIR TF_LOG
export TF_CLI_CONFIG_FILE="$WORK/terraform.rc" AWS_STANDIN_SCHEMA="$SCHEMA"
export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
# Nothing here may reach AWS: `terraform test` uses mock providers, validate does not configure providers.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

# ---- 4. fmt ------------------------------------------------------------------------------------------------------
say "terraform fmt -check"
run "terraform fmt -check modules examples" "$LOGS/fmt.log" \
    "$TF" -chdir="$ROOT" fmt -check -recursive -diff modules examples

# ---- 5. init / validate / test per directory ---------------------------------------------------------------------
if (($# > 0)); then
    DIRS=("$@")
else
    DIRS=()
    for d in "$ROOT"/modules/*/; do DIRS+=("modules/$(basename "$d")"); done
    DIRS+=(examples/complete examples/existing-stack examples/quickstart)
fi

# Scratch copy of modules/ and examples/ (relative module sources keep working), without local state.
tar -C "$ROOT" --exclude=.terraform --exclude=.terraform.lock.hcl --exclude='*.tfstate' \
    --exclude='*.tfstate.backup' -cf - modules examples | tar -C "$SRC" -xf -

TEST_RUNS=0
SCHEMA_DIR=""
for rel in "${DIRS[@]}"; do
    rel="${rel%/}"
    dir="$SRC/$rel"
    slug="${rel//\//_}"
    say "$rel"
    [[ -d "$dir" ]] || { record "$rel: exists" FAIL "no such directory"; continue; }
    run "$rel: init" "$LOGS/$slug-init.log" "$TF" -chdir="$dir" init -input=false -no-color || continue
    run "$rel: validate" "$LOGS/$slug-validate.log" "$TF" -chdir="$dir" validate -no-color || continue
    # The architecture picture of the complete example, drawn from `terraform graph`, must match the configuration.
    if [[ "$rel" == examples/complete ]]; then
        if "$TF" -chdir="$dir" graph >"$WORK/complete-graph.dot" 2>"$LOGS/$slug-graph.log"; then
            if [[ "${UPDATE_DIAGRAM:-0}" == 1 ]]; then
                run "$rel: architecture diagram written" "$LOGS/$slug-diagram.log" "$PY" "$ROOT/tools/architecture_diagram.py" \
                    --title "LogExaminer platform (examples/complete)" --write "$ROOT/docs/architecture/complete.svg" \
                    <"$WORK/complete-graph.dot"
            else
                run "$rel: architecture diagram up to date" "$LOGS/$slug-diagram.log" "$PY" "$ROOT/tools/architecture_diagram.py" \
                    --title "LogExaminer platform (examples/complete)" --check "$ROOT/docs/architecture/complete.svg" \
                    <"$WORK/complete-graph.dot"
            fi
        else
            record "$rel: terraform graph" FAIL "log: ${LOGS#"$ROOT"/}/$slug-graph.log"
        fi
    fi
    # A directory whose lock file names both providers can report both schemas.
    if [[ -z "$SCHEMA_DIR" ]] && grep -q 'hashicorp/aws' "$dir/.terraform.lock.hcl" 2>/dev/null &&
        grep -q 'logexaminer/logexaminer' "$dir/.terraform.lock.hcl"; then
        SCHEMA_DIR="$dir"
    fi
    if compgen -G "$dir/tests/*.tftest.hcl" >/dev/null; then
        log="$LOGS/$slug-test.log"
        if "$TF" -chdir="$dir" test -no-color >"$log" 2>&1; then
            n="$(sed -n 's/^Success! \([0-9]*\) passed.*/\1/p' "$log" | tail -n 1)"
            TEST_RUNS=$((TEST_RUNS + ${n:-0}))
            record "$rel: terraform test" PASS "${n:-?} runs passed"
        else
            record "$rel: terraform test" FAIL "$(grep -E '^Failure!' "$log" | tail -n 1); log: ${log#"$ROOT"/}"
            echo "---- terraform test of $rel failed:" >&2
            grep -E '\.\.\. (fail|error)|^Error|^  on |^Failure' "$log" | head -n 40 >&2
            echo "----" >&2
        fi
    fi
done

# ---- 6. README tables --------------------------------------------------------------------------------------------
say "module docs"
run "gen_module_docs.py --check" "$LOGS/docs.log" "$PY" "$ROOT/tools/gen_module_docs.py" --check

# ---- 7. references against the providers' own schemas ------------------------------------------------------------
say "check_hcl_refs.py against terraform providers schema -json"
if [[ -n "$SCHEMA_DIR" ]] &&
    "$TF" -chdir="$SCHEMA_DIR" providers schema -json >"$WORK/providers-schema.json" 2>"$LOGS/providers-schema.log"; then
    run "check_hcl_refs.py (aws + logexaminer schemas)" "$LOGS/refs.log" \
        "$PY" "$ROOT/tools/aws_schema/check_hcl_refs.py" --schema "$WORK/providers-schema.json" \
        "$ROOT/modules" "$ROOT/examples"
    tail -n 1 "$LOGS/refs.log"
else
    record "terraform providers schema -json" FAIL "no initialised directory with both providers"
fi

# ---- 8. apply against the stand-in and moto, negative tests ------------------------------------------------------
if [[ "${HCL_TEST_RUST:-1}" != 0 ]]; then
    say "cargo test: stand-in, apply of examples/complete against the stand-in and moto, planted mistakes"
    log="$LOGS/module-tests.log"
    if cargo test -p terraform-provider-aws-standin -p logexaminer-module-tests -- --test-threads=1 >"$log" 2>&1; then
        record "cargo test (stand-in, module tests)" PASS "$(grep -E '^test result' "$log" | awk '{s+=$4} END {print s " tests passed"}')"
    else
        record "cargo test (stand-in, module tests)" FAIL "log: ${log#"$ROOT"/}"
        echo "---- module tests failed:" >&2
        grep -E '^test |panicked|^Error|^---- ' "$log" | head -n 60 >&2
        echo "----" >&2
    fi
fi

say "terraform test runs passed: $TEST_RUNS"
summary
