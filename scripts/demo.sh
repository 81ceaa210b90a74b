#!/usr/bin/env bash
# `make demo`: applies examples/quickstart with the freshly built provider against local
# emulated AWS (moto on a free loopback port), prints the outputs, then tears everything down.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.tools/venv/bin/python"
TF="$ROOT/.tools/bin/terraform"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release/terraform-provider-logexaminer"
VERSION="0.1.0"
BUCKET="logexaminer-demo-raw-logs"

for f in "$PY" "$TF" "$BIN"; do
    [[ -x "$f" ]] || { echo "demo: $f is missing (run make setup / make release)" >&2; exit 1; }
done

WORK="$(mktemp -d /tmp/logexaminer-demo.XXXXXX)"
MOTO_PID=""
cleanup() {
    [[ -n "$MOTO_PID" ]] && kill "$MOTO_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n==> %s\n' "$*"; }

step "starting moto (local emulated AWS) on a free 127.0.0.1 port"
"$PY" "$ROOT/tools/moto_launcher.py" --host 127.0.0.1 --port 0 --quiet >"$WORK/moto.out" 2>"$WORK/moto.log" &
MOTO_PID=$!
for _ in $(seq 1 100); do
    grep -q '^MOTO_PORT=' "$WORK/moto.out" 2>/dev/null && break
    sleep 0.1
done
PORT="$(sed -n 's/^MOTO_PORT=//p' "$WORK/moto.out")"
[[ -n "$PORT" ]] || { echo "demo: moto did not start:" >&2; cat "$WORK/moto.log" >&2; exit 1; }
export AWS_ENDPOINT_URL="http://127.0.0.1:$PORT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
echo "moto at $AWS_ENDPOINT_URL"

step "creating the raw-logs bucket with a lifecycle rule owned by another team"
"$PY" - "$BUCKET" <<'PYEOF'
import sys, boto3
s3 = boto3.client("s3")
b = sys.argv[1]
s3.create_bucket(Bucket=b)
s3.put_bucket_lifecycle_configuration(Bucket=b, LifecycleConfiguration={"Rules": [
    {"ID": "security-team-tmp-cleanup", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
     "Expiration": {"Days": 7}}]})
print(f"bucket {b} with foreign rule security-team-tmp-cleanup")
PYEOF

step "installing the provider into a filesystem mirror"
MIRROR="$WORK/mirror/registry.terraform.io/logexaminer/logexaminer/$VERSION/linux_amd64"
mkdir -p "$MIRROR"
cp "$BIN" "$MIRROR/terraform-provider-logexaminer_v$VERSION"
cat >"$WORK/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$WORK/mirror"
    include = ["registry.terraform.io/logexaminer/*"]
  }
  direct {
    exclude = ["registry.terraform.io/logexaminer/*"]
  }
}
TFRC
export TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1 TF_INPUT=0
cp -r "$ROOT/examples/quickstart" "$WORK/quickstart"
cd "$WORK/quickstart"
export TF_VAR_raw_logs_bucket="$BUCKET" TF_VAR_local_emulator=true

step "terraform init"
"$TF" init -no-color | grep -E "Installing|Installed|initialized" || true
step "terraform apply"
"$TF" apply -auto-approve -no-color
step "terraform output"
"$TF" output -no-color
step "second plan (expect no changes)"
"$TF" plan -no-color -detailed-exitcode >/dev/null && echo "No changes: the infrastructure matches the configuration."

step "the bucket's lifecycle rules now (foreign rule kept, ours added)"
"$PY" - "$BUCKET" <<'PYEOF'
import sys, boto3
for r in boto3.client("s3").get_bucket_lifecycle_configuration(Bucket=sys.argv[1])["Rules"]:
    print(" -", r["ID"])
PYEOF

step "terraform destroy"
"$TF" destroy -auto-approve -no-color | tail -n 1
"$PY" - "$BUCKET" <<'PYEOF'
import sys, boto3
rules = boto3.client("s3").get_bucket_lifecycle_configuration(Bucket=sys.argv[1])["Rules"]
print("after destroy:", ", ".join(r["ID"] for r in rules))
PYEOF
step "demo finished; moto stopped and temp files removed"
