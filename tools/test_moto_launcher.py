"""Tests of tools/moto_launcher.py: the launcher protocol and each moto fix, driven with boto3.

Run: .tools/venv/bin/python -m pytest tools/test_moto_launcher.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

LAUNCHER = Path(__file__).with_name("moto_launcher.py")


@pytest.fixture(scope="module")
def endpoint():
    env = dict(os.environ)
    proc = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--exit-on-stdin-eof", "--quiet"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        line = proc.stdout.readline().decode()
        assert line.startswith("MOTO_PORT="), line
        port = int(line.strip().split("=", 1)[1])
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.stdin.close()  # --exit-on-stdin-eof: the launcher exits by itself
        try:
            assert proc.wait(timeout=10) == 0
        finally:
            if proc.poll() is None:
                proc.kill()


def client(endpoint, service):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_stdout_is_exactly_one_port_line_and_api_is_ready(endpoint):
    with urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=10) as resp:
        assert resp.status == 200


def test_lambda_docker_is_disabled(endpoint):
    with urllib.request.urlopen(f"{endpoint}/moto-api/config", timeout=10) as resp:
        config = json.loads(resp.read())
    assert config["lambda"]["use_docker"] is False


# ------------------------------------------------------------------ S3 Intelligent-Tiering

FULL_CONFIG = {
    "Id": "archive",
    "Filter": {
        "And": {
            "Prefix": "logs/",
            "Tags": [{"Key": "tier", "Value": "cold"}, {"Key": "team", "Value": "data"}],
        }
    },
    "Status": "Enabled",
    "Tierings": [
        {"Days": 90, "AccessTier": "ARCHIVE_ACCESS"},
        {"Days": 180, "AccessTier": "DEEP_ARCHIVE_ACCESS"},
    ],
}


@pytest.fixture()
def bucket(endpoint):
    s3 = client(endpoint, "s3")
    name = unique("tiering")
    s3.create_bucket(Bucket=name)
    return s3, name


def test_tiering_put_get_round_trips_every_field(bucket):
    s3, name = bucket
    s3.put_bucket_intelligent_tiering_configuration(
        Bucket=name, Id="archive", IntelligentTieringConfiguration=FULL_CONFIG
    )
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive")
    assert got["IntelligentTieringConfiguration"] == FULL_CONFIG


@pytest.mark.parametrize(
    "filter_",
    [{"Prefix": "raw/"}, {"Tag": {"Key": "k", "Value": "v"}}, None],
    ids=["prefix", "tag", "no-filter"],
)
def test_tiering_filter_shapes(bucket, filter_):
    s3, name = bucket
    config = {"Id": "one", "Status": "Disabled", "Tierings": [{"Days": 730, "AccessTier": "ARCHIVE_ACCESS"}]}
    if filter_ is not None:
        config["Filter"] = filter_
    s3.put_bucket_intelligent_tiering_configuration(Bucket=name, Id="one", IntelligentTieringConfiguration=config)
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=name, Id="one")
    assert got["IntelligentTieringConfiguration"] == config


def test_tiering_put_replaces_existing(bucket):
    s3, name = bucket
    s3.put_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive", IntelligentTieringConfiguration=FULL_CONFIG)
    changed = {"Id": "archive", "Status": "Disabled", "Tierings": [{"Days": 200, "AccessTier": "DEEP_ARCHIVE_ACCESS"}]}
    s3.put_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive", IntelligentTieringConfiguration=changed)
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive")
    assert got["IntelligentTieringConfiguration"] == changed


def test_tiering_list_returns_all_sorted_and_not_truncated(bucket):
    s3, name = bucket
    empty = s3.list_bucket_intelligent_tiering_configurations(Bucket=name)
    assert empty["IsTruncated"] is False
    assert "IntelligentTieringConfigurationList" not in empty
    for config_id in ("b", "a"):
        s3.put_bucket_intelligent_tiering_configuration(
            Bucket=name, Id=config_id, IntelligentTieringConfiguration={**FULL_CONFIG, "Id": config_id}
        )
    listed = s3.list_bucket_intelligent_tiering_configurations(Bucket=name)
    assert listed["IsTruncated"] is False
    assert [c["Id"] for c in listed["IntelligentTieringConfigurationList"]] == ["a", "b"]
    assert listed["IntelligentTieringConfigurationList"][0] == {**FULL_CONFIG, "Id": "a"}


def test_tiering_delete_removes_config_and_keeps_bucket(bucket):
    s3, name = bucket
    s3.put_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive", IntelligentTieringConfiguration=FULL_CONFIG)
    s3.put_object(Bucket=name, Key="logs/x", Body=b"x")
    resp = s3.delete_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive")
    assert resp["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.head_bucket(Bucket=name)
    assert s3.get_object(Bucket=name, Key="logs/x")["Body"].read() == b"x"
    with pytest.raises(ClientError) as err:
        s3.get_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive")
    assert err.value.response["Error"]["Code"] == "NoSuchConfiguration"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_tiering_missing_config_and_missing_bucket_errors(endpoint, bucket):
    s3, name = bucket
    for call in (s3.get_bucket_intelligent_tiering_configuration, s3.delete_bucket_intelligent_tiering_configuration):
        with pytest.raises(ClientError) as err:
            call(Bucket=name, Id="nope")
        assert err.value.response["Error"]["Code"] == "NoSuchConfiguration"
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as err:
        s3.get_bucket_intelligent_tiering_configuration(Bucket=unique("missing"), Id="archive")
    assert err.value.response["Error"]["Code"] == "NoSuchBucket"


@pytest.mark.parametrize(
    "tierings",
    [
        [{"Days": 89, "AccessTier": "ARCHIVE_ACCESS"}],
        [{"Days": 179, "AccessTier": "DEEP_ARCHIVE_ACCESS"}],
        [{"Days": 731, "AccessTier": "ARCHIVE_ACCESS"}],
    ],
    ids=["archive-too-early", "deep-archive-too-early", "too-late"],
)
def test_tiering_rejects_days_out_of_range(bucket, tierings):
    s3, name = bucket
    with pytest.raises(ClientError) as err:
        s3.put_bucket_intelligent_tiering_configuration(
            Bucket=name, Id="x", IntelligentTieringConfiguration={"Id": "x", "Status": "Enabled", "Tierings": tierings}
        )
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    assert s3.list_bucket_intelligent_tiering_configurations(Bucket=name).get("IntelligentTieringConfigurationList") is None


def test_tiering_configs_go_with_the_bucket(bucket):
    s3, name = bucket
    s3.put_bucket_intelligent_tiering_configuration(Bucket=name, Id="archive", IntelligentTieringConfiguration=FULL_CONFIG)
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)
    assert "IntelligentTieringConfigurationList" not in s3.list_bucket_intelligent_tiering_configurations(Bucket=name)


# ------------------------------------------------------------------ Secrets Manager


def make_secret(sm, value="v1"):
    name = unique("secret")
    sm.create_secret(Name=name, SecretString=value)
    return name


def stages(sm, name):
    return sm.describe_secret(SecretId=name)["VersionIdsToStages"]


def test_get_secret_value_follows_awscurrent_after_update_stage(endpoint):
    sm = client(endpoint, "secretsmanager")
    name = make_secret(sm, "old")
    old_id = sm.get_secret_value(SecretId=name)["VersionId"]
    new_id = sm.put_secret_value(SecretId=name, SecretString="new", VersionStages=["AWSPENDING"])["VersionId"]
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "old"

    sm.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=new_id, RemoveFromVersionId=old_id
    )
    got = sm.get_secret_value(SecretId=name)
    assert (got["SecretString"], got["VersionId"]) == ("new", new_id)
    assert "AWSCURRENT" in got["VersionStages"]
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSPREVIOUS")["SecretString"] == "old"

    # Manual rollback (AWS docs): move AWSCURRENT back to the previous version.
    sm.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=old_id, RemoveFromVersionId=new_id
    )
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "old"


def make_rotation_lambda(endpoint):
    lam = client(endpoint, "lambda")
    iam = client(endpoint, "iam")
    role = iam.create_role(
        RoleName=unique("role"),
        AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        ),
    )["Role"]["Arn"]
    return lam.create_function(
        FunctionName=unique("rotator"),
        Runtime="provided.al2023",
        Role=role,
        Handler="bootstrap",
        Code={"ZipFile": b"PK\x05\x06" + b"\x00" * 18},
    )["FunctionArn"]


def test_rotate_immediately_keeps_awscurrent_readable_and_rules_whole(endpoint):
    sm = client(endpoint, "secretsmanager")
    name = make_secret(sm, "current-value")
    current_id = sm.get_secret_value(SecretId=name)["VersionId"]
    fn = make_rotation_lambda(endpoint)

    rotated = sm.rotate_secret(
        SecretId=name,
        RotationLambdaARN=fn,
        RotationRules={"ScheduleExpression": "rate(10 days)", "Duration": "2h"},
        RotateImmediately=True,
    )
    new_id = rotated["VersionId"]
    assert new_id != current_id

    got = sm.get_secret_value(SecretId=name)
    assert (got["SecretString"], got["VersionId"]) == ("current-value", current_id)
    assert stages(sm, name)[new_id] == ["AWSPENDING"]

    described = sm.describe_secret(SecretId=name)
    assert described["RotationEnabled"] is True
    assert described["RotationLambdaARN"] == fn
    assert described["RotationRules"] == {"ScheduleExpression": "rate(10 days)", "Duration": "2h"}

    # A rotation still pending (the function never ran here) blocks the next one, as in AWS.
    with pytest.raises(ClientError) as err:
        sm.rotate_secret(SecretId=name)
    assert err.value.response["Error"]["Code"] == "InvalidRequestException"

    # What the rotation function does: createSecret, then finishSecret.
    sm.put_secret_value(SecretId=name, ClientRequestToken=new_id, SecretString="rotated", VersionStages=["AWSPENDING"])
    sm.update_secret_version_stage(
        SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=new_id, RemoveFromVersionId=current_id
    )
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "rotated"

    # Completed rotation (AWSPENDING on the current version): rotating again is allowed, keeps
    # the configured function and rules.
    again = sm.rotate_secret(SecretId=name)
    assert again["VersionId"] not in (current_id, new_id)
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "rotated"
    described = sm.describe_secret(SecretId=name)
    assert described["RotationLambdaARN"] == fn
    assert described["RotationRules"] == {"ScheduleExpression": "rate(10 days)", "Duration": "2h"}


def test_rotate_with_days_keeps_automatically_after_days(endpoint):
    sm = client(endpoint, "secretsmanager")
    name = make_secret(sm)
    fn = make_rotation_lambda(endpoint)
    sm.rotate_secret(SecretId=name, RotationLambdaARN=fn, RotationRules={"AutomaticallyAfterDays": 30, "Duration": "3h"})
    rules = sm.describe_secret(SecretId=name)["RotationRules"]
    assert rules == {"AutomaticallyAfterDays": 30, "Duration": "3h"}


def test_rotate_not_immediately_leaves_no_pending_version(endpoint):
    sm = client(endpoint, "secretsmanager")
    name = make_secret(sm, "v")
    fn = make_rotation_lambda(endpoint)
    before = stages(sm, name)
    sm.rotate_secret(SecretId=name, RotationLambdaARN=fn, RotationRules={"AutomaticallyAfterDays": 7}, RotateImmediately=False)
    assert stages(sm, name) == before
    assert sm.get_secret_value(SecretId=name)["SecretString"] == "v"


def test_rotate_without_function_keeps_value_readable(endpoint):
    sm = client(endpoint, "secretsmanager")
    name = make_secret(sm, "kept")
    rotated = sm.rotate_secret(SecretId=name, RotationRules={"AutomaticallyAfterDays": 1})
    got = sm.get_secret_value(SecretId=name)
    assert (got["SecretString"], got["VersionId"]) == ("kept", rotated["VersionId"])


# ------------------------------------------------------------------ Lambda runtime API emulator

# A custom-runtime function in Python that speaks the runtime API with the standard library only. Events:
# {"echo": x} answers with x, its pid and two environment variables; {"fail": m} reports an error;
# {"sleep": s} sleeps; {"exit": c} exits mid-event; a Secrets Manager step event is appended to $STEP_LOG and
# fails when it is $FAIL_STEP.
BOOTSTRAP = r'''#!/usr/bin/env python3
import json, os, sys, time, urllib.request
api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
def post(path, body):
    urllib.request.urlopen(urllib.request.Request(api + path, data=json.dumps(body).encode(), method="POST"))
while True:
    with urllib.request.urlopen(api + "next") as r:
        rid = r.headers["Lambda-Runtime-Aws-Request-Id"]
        deadline = int(r.headers["Lambda-Runtime-Deadline-Ms"])
        event = json.loads(r.read())
    print("handling", json.dumps(event), flush=True)
    if "Step" in event:
        with open(os.environ["STEP_LOG"], "a") as f:
            f.write(event["Step"] + " " + event["ClientRequestToken"] + "\n")
        if event["Step"] == os.environ.get("FAIL_STEP"):
            post(rid + "/error", {"errorType": "TestFailed", "errorMessage": "injected at " + event["Step"]})
        else:
            post(rid + "/response", None)
    elif "fail" in event:
        post(rid + "/error", {"errorType": "Boom", "errorMessage": event["fail"]})
    elif "sleep" in event:
        time.sleep(event["sleep"])
        post(rid + "/response", {"slept": True})
    elif "exit" in event:
        sys.exit(event["exit"])
    else:
        post(rid + "/response", {"echo": event.get("echo"), "pid": os.getpid(), "deadline": deadline,
                                 "greeting": os.environ.get("GREETING"),
                                 "name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
                                 "endpoint": os.environ.get("AWS_ENDPOINT_URL")})
'''


def bootstrap_zip():
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        info = zipfile.ZipInfo("bootstrap")
        info.external_attr = 0o755 << 16
        zf.writestr(info, BOOTSTRAP)
    return buf.getvalue()


def make_function(endpoint, timeout=3, env=None):
    lam = client(endpoint, "lambda")
    name = unique("fn")
    role = client(endpoint, "iam").create_role(
        RoleName=unique("role"),
        AssumeRolePolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        ),
    )["Role"]["Arn"]
    lam.create_function(
        FunctionName=name,
        Runtime="provided.al2023",
        Handler="bootstrap",
        Role=role,
        Code={"ZipFile": bootstrap_zip()},
        Timeout=timeout,
        Environment={"Variables": env or {}},
    )
    return lam, name


def call(lam, name, event, tail=False):
    resp = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail" if tail else "None")
    return resp, json.loads(resp["Payload"].read() or b"null")


def test_function_runs_warm_with_its_environment_and_logs(endpoint):
    lam, name = make_function(endpoint, env={"GREETING": "hello"})
    first, out = call(lam, name, {"echo": 1}, tail=True)
    assert "FunctionError" not in first
    assert (out["echo"], out["greeting"], out["name"], out["endpoint"]) == (1, "hello", name, endpoint)
    assert out["deadline"] > 0
    log = __import__("base64").b64decode(first["LogResult"]).decode()
    assert 'handling {"echo": 1}' in log and "REPORT RequestId:" in log
    _, again = call(lam, name, {"echo": 2})
    assert again["pid"] == out["pid"], "the environment is kept warm between events"


def test_function_error_is_unhandled_with_its_payload(endpoint):
    lam, name = make_function(endpoint)
    resp, out = call(lam, name, {"fail": "no luck"})
    assert resp["FunctionError"] == "Unhandled"
    assert out == {"errorType": "Boom", "errorMessage": "no luck"}


def test_timeout_kills_the_environment_and_the_next_event_gets_a_new_one(endpoint):
    lam, name = make_function(endpoint, timeout=1)
    _, before = call(lam, name, {"echo": 0})
    resp, out = call(lam, name, {"sleep": 3})
    assert resp["FunctionError"] == "Unhandled"
    assert out["errorMessage"].endswith("Task timed out after 1.00 seconds")
    _, after = call(lam, name, {"echo": 1})
    assert after["pid"] != before["pid"]


def test_process_exit_mid_event_is_a_runtime_exit_error(endpoint):
    lam, name = make_function(endpoint)
    resp, out = call(lam, name, {"exit": 3})
    assert resp["FunctionError"] == "Unhandled"
    assert out["errorType"] == "Runtime.ExitError" and "exit status 3" in out["errorMessage"]


def test_update_of_the_configuration_starts_a_new_environment(endpoint):
    lam, name = make_function(endpoint, env={"GREETING": "one"})
    _, first = call(lam, name, {"echo": 0})
    lam.update_function_configuration(FunctionName=name, Environment={"Variables": {"GREETING": "two"}})
    _, second = call(lam, name, {"echo": 0})
    assert (first["greeting"], second["greeting"]) == ("one", "two")
    assert first["pid"] != second["pid"]


@pytest.mark.parametrize(
    "fail_step,expected",
    [
        (None, ["createSecret", "setSecret", "testSecret", "finishSecret"]),
        ("testSecret", ["createSecret", "setSecret", "testSecret"]),
    ],
)
def test_rotate_secret_drives_the_steps_in_order_and_stops_at_a_failure(endpoint, tmp_path, fail_step, expected):
    step_log = tmp_path / "steps"
    env = {"STEP_LOG": str(step_log)}
    if fail_step:
        env["FAIL_STEP"] = fail_step
    lam, name = make_function(endpoint, env=env)
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    sm = client(endpoint, "secretsmanager")
    secret = make_secret(sm, "v")
    rotated = sm.rotate_secret(SecretId=secret, RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 7})
    lines = [line.split() for line in step_log.read_text().splitlines()]
    assert [step for step, _ in lines] == expected
    assert {token for _, token in lines} == {rotated["VersionId"]}


# ---------------------------------------------------------------------------------------------
# S3 conditional writes (what Terraform's S3 backend `use_lockfile = true` relies on)
# ---------------------------------------------------------------------------------------------


def _conditional_put(s3, bucket_name, key, body):
    try:
        s3.put_object(Bucket=bucket_name, Key=key, Body=body, IfNoneMatch="*")
        return "ok"
    except ClientError as err:
        return err.response["Error"]["Code"]


def test_if_none_match_star_refuses_existing_key_until_deleted(endpoint):
    s3 = client(endpoint, "s3")
    name = unique("lockfile")
    s3.create_bucket(Bucket=name)
    assert _conditional_put(s3, name, "state.tflock", b"a") == "ok"
    assert _conditional_put(s3, name, "state.tflock", b"b") == "PreconditionFailed"
    assert s3.get_object(Bucket=name, Key="state.tflock")["Body"].read() == b"a"
    s3.delete_object(Bucket=name, Key="state.tflock")
    assert _conditional_put(s3, name, "state.tflock", b"c") == "ok"


def test_concurrent_if_none_match_star_has_exactly_one_winner(endpoint):
    from concurrent.futures import ThreadPoolExecutor

    s3 = client(endpoint, "s3")
    name = unique("lockrace")
    s3.create_bucket(Bucket=name)
    writers = 8
    # One client per thread (botocore clients are thread-safe, but separate connection pools make the
    # requests really concurrent on the server side).
    clients = [client(endpoint, "s3") for _ in range(writers)]
    with ThreadPoolExecutor(max_workers=writers) as pool:
        for round_ in range(25):
            key = f"round-{round_}.tflock"
            results = list(
                pool.map(lambda i: _conditional_put(clients[i], name, key, f"writer {i}".encode()), range(writers))
            )
            assert results.count("ok") == 1, results
            assert results.count("PreconditionFailed") == writers - 1, results
            body = s3.get_object(Bucket=name, Key=key)["Body"].read().decode()
            assert body == f"writer {results.index('ok')}"


def test_conditional_write_check_and_store_are_one_step(monkeypatch):
    """moto checks If-None-Match, then stores: with a slow check, unpatched moto lets several writers win.

    In-process so the backend's lookup can be slowed down to widen the window the fix closes.
    """
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    sys.path.insert(0, str(LAUNCHER.parent))
    import moto_launcher
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer
    from moto.s3.models import S3Backend

    moto_launcher.patch_s3_conditional_writes()
    original_get_object = S3Backend.get_object

    def slow_get_object(self, bucket_name, key_name, *args, **kwargs):
        found = original_get_object(self, bucket_name, key_name, *args, **kwargs)
        if str(key_name).endswith(".tflock"):
            time.sleep(0.05)
        return found

    monkeypatch.setattr(S3Backend, "get_object", slow_get_object)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        url = f"http://{host}:{port}"
        s3 = client(url, "s3")
        name = unique("slowlock")
        s3.create_bucket(Bucket=name)
        writers = 4
        clients = [client(url, "s3") for _ in range(writers)]
        start = threading.Barrier(writers)

        def write(i):
            start.wait()
            return _conditional_put(clients[i], name, "state.tflock", b"x")

        with ThreadPoolExecutor(max_workers=writers) as pool:
            results = list(pool.map(write, range(writers)))
        assert results.count("ok") == 1, results
    finally:
        server.stop()


# ---------------------------------------------------------------------------------------------
# EKS
# ---------------------------------------------------------------------------------------------


def test_list_nodegroups_of_a_missing_cluster_is_resource_not_found(endpoint):
    eks = client(endpoint, "eks")
    with pytest.raises(ClientError) as err:
        eks.list_nodegroups(clusterName=unique("missing"))
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404

    name = unique("lx")
    eks.create_cluster(
        name=name,
        roleArn="arn:aws:iam::123456789012:role/lx-cluster",
        resourcesVpcConfig={"subnetIds": ["subnet-0a000000000000001"]},
    )
    assert eks.list_nodegroups(clusterName=name)["nodegroups"] == []
    eks.create_nodegroup(
        clusterName=name,
        nodegroupName="system",
        nodeRole="arn:aws:iam::123456789012:role/lx-node",
        subnets=["subnet-0a000000000000001"],
        scalingConfig={"minSize": 1, "maxSize": 3, "desiredSize": 2},
    )
    assert eks.list_nodegroups(clusterName=name)["nodegroups"] == ["system"]
