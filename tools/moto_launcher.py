"""Runs moto's AWS emulator for the LogExaminer test rig, with fixes for the gaps we rely on.

Usage: .tools/venv/bin/python tools/moto_launcher.py [--host 127.0.0.1] [--port 0]
                                                      [--exit-on-stdin-eof] [--quiet]

Starts moto 5.2.5's server in this process and, once it listens, prints exactly one line on
stdout, `MOTO_PORT=<port>`; request logs go to stderr. With --exit-on-stdin-eof the server
stops when its stdin closes, so a test process that dies without cleaning up takes its moto
with it.

moto is patched at the backend or response-handler level (see FACTS.md, "moto 5.2.5"):
  S3        bucket Intelligent-Tiering configurations (PUT/GET/DELETE/LIST ?intelligent-tiering),
            which moto does not implement (its DELETE even deletes the bucket);
  S3        conditional writes (PutObject / CompleteMultipartUpload with If-None-Match or If-Match) made
            atomic: moto checks the condition and then stores the object, unlocked, while its server
            runs one thread per request, so two concurrent `If-None-Match: *` writes could both win
            (Terraform's S3 backend locks state with exactly that write, `use_lockfile = true`);
  Secrets   UpdateSecretVersionStage moving AWSCURRENT, and RotateSecret (AWSCURRENT readable,
            RotationRules kept whole, the pending-rotation rule of the real service).
  Lambda    Invoke runs the function's real `bootstrap` for `provided.*` functions whose zip holds one,
            under the local runtime API emulator of tools/lambda_emulator.py (no Docker on the rig);
            other functions keep moto's simple, non-executing behaviour.
  Secrets   RotateSecret with such a function runs createSecret, setSecret, testSecret and finishSecret
            through it, in order, stopping at the first step that fails (the service would retry that
            step later; the rig does not), as the service drives a rotation function.
  EKS       ListNodegroups of a cluster that does not exist answers ResourceNotFoundException, as the
            EKS API reference documents (moto fails with an internal error, HTTP 500).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import uuid
import xml.etree.ElementTree as ET
from typing import Any

from moto.core.config import default_user_config
from moto.moto_server.threaded_moto_server import ThreadedMotoServer

import lambda_emulator  # tools/lambda_emulator.py, beside this file

S3_NS = "http://s3.amazonaws.com/doc/2006-03-01/"

# ---------------------------------------------------------------------------------------------
# S3: bucket Intelligent-Tiering configurations
# ---------------------------------------------------------------------------------------------

# Archive access tiers and the allowed range of days for each (S3 API reference,
# PutBucketIntelligentTieringConfiguration / Tiering).
_TIER_DAYS = {"ARCHIVE_ACCESS": (90, 730), "DEEP_ARCHIVE_ACCESS": (180, 730)}
# Configurations live on moto's bucket object, so they go away with the bucket and on
# POST /moto-api/reset like everything else.
_TIERING_ATTR = "_logexaminer_intelligent_tiering"


class _S3Error(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def _s3_error_response(err: _S3Error) -> tuple[int, dict[str, str], str]:
    root = ET.Element("Error")
    ET.SubElement(root, "Code").text = err.code
    ET.SubElement(root, "Message").text = err.message
    for key, value in err.extra.items():
        ET.SubElement(root, key).text = value
    ET.SubElement(root, "RequestId").text = uuid.uuid4().hex.upper()[:16]
    body = '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
    return err.status, {"content-type": "application/xml"}, body


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(elem: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in elem if _local(c.tag) == name]


def _one(elem: ET.Element, name: str) -> ET.Element | None:
    found = _children(elem, name)
    if len(found) > 1:
        raise _S3Error(400, "MalformedXML", _MALFORMED)
    return found[0] if found else None


def _text(elem: ET.Element, name: str, required: bool = False) -> str | None:
    child = _one(elem, name)
    if child is None:
        if required:
            raise _S3Error(400, "MalformedXML", _MALFORMED)
        return None
    return child.text or ""


_MALFORMED = (
    "The XML you provided was not well-formed or did not validate against our published schema"
)


def _parse_tag(elem: ET.Element) -> dict[str, str]:
    return {"Key": _text(elem, "Key", True) or "", "Value": _text(elem, "Value", True) or ""}


def _parse_tiering_config(body: bytes, query_id: str) -> dict[str, Any]:
    """Parses and validates a PUT body into the stored (canonical) form."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise _S3Error(400, "MalformedXML", _MALFORMED) from exc
    if _local(root.tag) != "IntelligentTieringConfiguration":
        raise _S3Error(400, "MalformedXML", _MALFORMED)

    config_id = _text(root, "Id", True)
    if config_id != query_id:
        raise _S3Error(
            400,
            "InvalidArgument",
            "The Id in the configuration does not match the id query parameter",
            ArgumentName="id",
            ArgumentValue=query_id,
        )
    status = _text(root, "Status", True)
    if status not in ("Enabled", "Disabled"):
        raise _S3Error(400, "MalformedXML", _MALFORMED)

    config: dict[str, Any] = {"Id": config_id, "Status": status, "Tierings": []}
    filter_elem = _one(root, "Filter")
    if filter_elem is not None:
        flt: dict[str, Any] = {}
        prefix = _text(filter_elem, "Prefix")
        tag = _one(filter_elem, "Tag")
        and_elem = _one(filter_elem, "And")
        if sum(x is not None for x in (prefix, tag, and_elem)) > 1:
            # Like the real service: more than one condition must be written with And.
            raise _S3Error(400, "MalformedXML", _MALFORMED)
        if prefix is not None:
            flt["Prefix"] = prefix
        if tag is not None:
            flt["Tag"] = _parse_tag(tag)
        if and_elem is not None:
            and_: dict[str, Any] = {}
            and_prefix = _text(and_elem, "Prefix")
            if and_prefix is not None:
                and_["Prefix"] = and_prefix
            and_["Tags"] = [_parse_tag(t) for t in _children(and_elem, "Tag")]
            flt["And"] = and_
        config["Filter"] = flt

    tierings = _children(root, "Tiering")
    if not tierings:
        raise _S3Error(400, "MalformedXML", _MALFORMED)
    seen = set()
    for tiering in tierings:
        tier = _text(tiering, "AccessTier", True) or ""
        days_text = _text(tiering, "Days", True) or ""
        if tier not in _TIER_DAYS or tier in seen:
            raise _S3Error(400, "MalformedXML", _MALFORMED)
        seen.add(tier)
        try:
            days = int(days_text)
        except ValueError as exc:
            raise _S3Error(400, "MalformedXML", _MALFORMED) from exc
        low, high = _TIER_DAYS[tier]
        if not low <= days <= high:
            raise _S3Error(
                400,
                "InvalidArgument",
                f"Days for {tier} must be between {low} and {high}",
                ArgumentName="Days",
                ArgumentValue=str(days),
            )
        config["Tierings"].append({"Days": days, "AccessTier": tier})
    return config


def _tag_xml(parent: ET.Element, tag: dict[str, str]) -> None:
    elem = ET.SubElement(parent, "Tag")
    ET.SubElement(elem, "Key").text = tag["Key"]
    ET.SubElement(elem, "Value").text = tag["Value"]


def _config_xml(parent: ET.Element | None, config: dict[str, Any]) -> ET.Element:
    if parent is None:
        elem = ET.Element("IntelligentTieringConfiguration", xmlns=S3_NS)
    else:
        elem = ET.SubElement(parent, "IntelligentTieringConfiguration")
    ET.SubElement(elem, "Id").text = config["Id"]
    if "Filter" in config:
        flt = config["Filter"]
        felem = ET.SubElement(elem, "Filter")
        if "Prefix" in flt:
            ET.SubElement(felem, "Prefix").text = flt["Prefix"]
        if "Tag" in flt:
            _tag_xml(felem, flt["Tag"])
        if "And" in flt:
            and_elem = ET.SubElement(felem, "And")
            if "Prefix" in flt["And"]:
                ET.SubElement(and_elem, "Prefix").text = flt["And"]["Prefix"]
            for tag in flt["And"]["Tags"]:
                _tag_xml(and_elem, tag)
    ET.SubElement(elem, "Status").text = config["Status"]
    for tiering in config["Tierings"]:
        telem = ET.SubElement(elem, "Tiering")
        ET.SubElement(telem, "Days").text = str(tiering["Days"])
        ET.SubElement(telem, "AccessTier").text = tiering["AccessTier"]
    return elem


def _xml_document(root: ET.Element) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _intelligent_tiering(
    response: Any, request: Any, bucket_name: str, querystring: dict[str, list[str]]
) -> tuple[int, dict[str, str], str]:
    from moto.s3.exceptions import MissingBucket

    try:
        bucket = response.backend.get_bucket(bucket_name)
    except MissingBucket:
        return _s3_error_response(
            _S3Error(404, "NoSuchBucket", "The specified bucket does not exist", BucketName=bucket_name)
        )
    store: dict[str, dict[str, Any]] = bucket.__dict__.setdefault(_TIERING_ATTR, {})
    config_id = (querystring.get("id") or [None])[0]
    xml_headers = {"content-type": "application/xml"}
    try:
        if request.method == "GET" and config_id is None:
            root = ET.Element("ListBucketIntelligentTieringConfigurationsOutput", xmlns=S3_NS)
            ET.SubElement(root, "IsTruncated").text = "false"
            for key in sorted(store):
                _config_xml(root, store[key])
            return 200, xml_headers, _xml_document(root)
        if not config_id:
            raise _S3Error(
                400, "InvalidArgument", "Missing required parameter id", ArgumentName="id", ArgumentValue=""
            )
        if request.method == "PUT":
            store[config_id] = _parse_tiering_config(response.body or b"", config_id)
            return 200, {}, ""
        if config_id not in store:
            raise _S3Error(404, "NoSuchConfiguration", "The specified configuration does not exist.")
        if request.method == "GET":
            return 200, xml_headers, _xml_document(_config_xml(None, store[config_id]))
        # DELETE removes the configuration only (moto 5.2.5 deleted the whole bucket here).
        del store[config_id]
        return 204, {}, ""
    except _S3Error as err:
        return _s3_error_response(err)


def patch_s3_intelligent_tiering() -> None:
    """Routes `?intelligent-tiering` bucket requests to our in-memory implementation."""
    from moto.s3.responses import S3Response

    original = S3Response._bucket_response

    def _bucket_response(self: Any, request: Any, full_url: str) -> Any:
        querystring = self._get_querystring(request, full_url)
        if "intelligent-tiering" in querystring and request.method in ("GET", "PUT", "DELETE"):
            bucket_name = self.parse_bucket_name_from_url(request, full_url)
            if bucket_name:
                return _intelligent_tiering(self, request, bucket_name, querystring)
        return original(self, request, full_url)

    S3Response._bucket_response = _bucket_response


# ---------------------------------------------------------------------------------------------
# S3: atomic conditional writes
# ---------------------------------------------------------------------------------------------

# S3 applies a conditional write atomically: of concurrent `PutObject` calls with `If-None-Match: *`
# on one key exactly one succeeds and the others get 412 PreconditionFailed (S3 user guide,
# "Add preconditions to S3 operations with conditional requests"). moto 5.2.5 evaluates the
# condition and stores the object in two unlocked steps; every conditional write goes through this
# lock so that check and store are one step. Unconditional writes are not serialised.
_CONDITIONAL_WRITE_LOCK = threading.Lock()


def _is_conditional(headers: Any) -> bool:
    return bool(headers.get("If-None-Match") or headers.get("If-Match"))


def patch_s3_conditional_writes() -> None:
    """Serialises S3 object writes that carry If-None-Match / If-Match."""
    from moto.s3.responses import S3Response

    if getattr(S3Response, "_logexaminer_conditional_writes", False):
        return  # already patched: a second wrapper would wait on the lock it holds
    S3Response._logexaminer_conditional_writes = True
    original = S3Response.put_object

    def put_object(self: Any) -> Any:
        if _is_conditional(self.headers):
            with _CONDITIONAL_WRITE_LOCK:
                return original(self)
        return original(self)

    S3Response.put_object = put_object

    original_post = S3Response._key_response_post

    def _key_response_post(self: Any, *args: Any, **kwargs: Any) -> Any:
        # CompleteMultipartUpload with If-None-Match: the same check-then-store in moto.
        if _is_conditional(self.headers):
            with _CONDITIONAL_WRITE_LOCK:
                return original_post(self, *args, **kwargs)
        return original_post(self, *args, **kwargs)

    S3Response._key_response_post = _key_response_post


# ---------------------------------------------------------------------------------------------
# Secrets Manager: staging labels and rotation
# ---------------------------------------------------------------------------------------------

_ROTATION_ATTR = "_logexaminer_rotation_rules"
# The rotation RotateSecret is driving on this thread (moto invokes the steps synchronously).
_ROTATION = threading.local()


def _version_with_stage(secret: Any, stage: str) -> str | None:
    for version_id, version in secret.versions.items():
        if stage in version["version_stages"]:
            return version_id
    return None


def _has_value(version: dict[str, Any]) -> bool:
    return "secret_string" in version or "secret_binary" in version


def patch_secretsmanager() -> None:
    from moto.secretsmanager.exceptions import InvalidRequestException
    from moto.secretsmanager.models import FakeSecret, SecretsManagerBackend

    # GetSecretValue without VersionId/VersionStage reads `default_version_id`, which moto's
    # UpdateSecretVersionStage never moves: after moving AWSCURRENT, it still returned the old
    # value. Keep `default_version_id` on the version that holds AWSCURRENT.
    original_update_stage = SecretsManagerBackend.update_secret_version_stage

    def update_secret_version_stage(self: Any, secret_id: str, version_stage: str, *args: Any, **kwargs: Any) -> Any:
        result = original_update_stage(self, secret_id, version_stage, *args, **kwargs)
        secret = self.secrets[secret_id]
        if isinstance(secret, FakeSecret):
            current = _version_with_stage(secret, "AWSCURRENT")
            if current is not None:
                secret.set_default_version_id(current)
        return result

    SecretsManagerBackend.update_secret_version_stage = update_secret_version_stage

    original_rotate = SecretsManagerBackend.rotate_secret

    def rotate_secret(
        self: Any,
        secret_id: str,
        client_request_token: str | None = None,
        rotation_lambda_arn: str | None = None,
        rotation_rules: dict[str, Any] | None = None,
        rotate_immediately: bool = True,
    ) -> str:
        secret = self.secrets.get(secret_id) if self._is_valid_identifier(secret_id) else None
        if not isinstance(secret, FakeSecret) or secret.is_deleted():
            # Unknown, replica or deleted secret: moto raises the right error.
            return original_rotate(
                self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules, rotate_immediately
            )

        # The real service refuses to start while AWSPENDING sits on a version other than
        # AWSCURRENT's (a rotation in progress); moto's check is the other way round and refused
        # after a completed rotation that left AWSPENDING on the new current version.
        pending = _version_with_stage(secret, "AWSPENDING")
        if pending is not None:
            stages = secret.versions[pending]["version_stages"]
            if "AWSCURRENT" not in stages:
                raise InvalidRequestException(
                    "A previous rotation isn't complete. That rotation will be reattempted."
                )
            stages.remove("AWSPENDING")

        # Rotating again ("rotate now") keeps the configured function, as the real service does;
        # moto cleared it when the request had no RotationLambdaARN.
        rotation_lambda_arn = rotation_lambda_arn or secret.rotation_lambda_arn or None
        previous_current = _version_with_stage(secret, "AWSCURRENT")
        versions_before = set(secret.versions)

        _ROTATION.state = {"secret": secret.name, "failed": None}
        try:
            result = json.loads(
                original_rotate(
                    self, secret_id, client_request_token, rotation_lambda_arn, rotation_rules, rotate_immediately
                )
            )
        finally:
            failed = _ROTATION.state["failed"]
            _ROTATION.state = None
        if failed:
            logging.getLogger("moto-launcher").warning(
                "RotateSecret %s: step %s failed; later steps not run", secret.name, failed
            )

        new_versions = [v for v in secret.versions if v not in versions_before]
        new_version = new_versions[0] if new_versions else None
        if new_version is not None and not rotate_immediately:
            # Without RotateImmediately the service only runs testSecret on a throwaway
            # AWSPENDING version and removes it afterwards; moto left it behind.
            del secret.versions[new_version]
        current = _version_with_stage(secret, "AWSCURRENT")
        if current is not None:
            if not _has_value(secret.versions[current]) and previous_current in secret.versions:
                # Without a rotation function moto moves AWSCURRENT onto a new, empty version:
                # give it the previous value so the secret stays readable.
                for key in ("secret_string", "secret_binary"):
                    if key in secret.versions[previous_current]:
                        secret.versions[current][key] = secret.versions[previous_current][key]
            # With a rotation function moto pointed the default at the new, empty AWSPENDING
            # version, leaving AWSCURRENT unreadable; the function (which cannot run here) is what
            # moves AWSCURRENT, so the default stays on the current version.
            secret.set_default_version_id(current)

        if rotation_rules:
            # moto kept only AutomaticallyAfterDays; keep ScheduleExpression and Duration too.
            setattr(secret, _ROTATION_ATTR, dict(rotation_rules))
            if rotation_rules.get("ScheduleExpression"):
                secret.rotation_enabled = True
        if new_version is not None and rotate_immediately:
            # The response names the version the rotation creates, as the real service does.
            result["VersionId"] = new_version
        return json.dumps(result)

    SecretsManagerBackend.rotate_secret = rotate_secret

    original_to_dict = FakeSecret.to_dict

    def to_dict(self: Any) -> dict[str, Any]:
        result = original_to_dict(self)
        rules = getattr(self, _ROTATION_ATTR, None)
        if rules and "RotationRules" in result:
            merged: dict[str, Any] = {}
            if self.auto_rotate_after_days:
                merged["AutomaticallyAfterDays"] = self.auto_rotate_after_days
            for key in ("ScheduleExpression", "Duration"):
                if rules.get(key):
                    merged[key] = rules[key]
            result["RotationRules"] = merged or result["RotationRules"]
        return result

    FakeSecret.to_dict = to_dict


# ---------------------------------------------------------------------------------------------
# Lambda: run custom-runtime functions through the local runtime API emulator
# ---------------------------------------------------------------------------------------------

# Set by main() once moto listens: the emulator gives functions this endpoint and the rig's credentials.
_EMULATOR: lambda_emulator.Emulator | None = None


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    for key in (name, name.lower()):
        value = headers.get(key)
        if value is not None:
            return str(value)
    return None


def patch_lambda() -> None:
    from moto.awslambda_simple.models import LambdaSimpleBackend

    original_invoke = LambdaSimpleBackend.invoke

    def invoke(
        self: Any, function_name: str, qualifier: str | None, body: Any, headers: Any, response_headers: Any
    ) -> str | bytes | None:
        fn = self.get_function(function_name, qualifier)
        code = getattr(fn, "code_bytes", b"") or b""
        if not (str(fn.run_time or "").startswith("provided") and lambda_emulator.has_bootstrap(code)):
            return original_invoke(self, function_name, qualifier, body, headers, response_headers)
        if _EMULATOR is None:
            raise RuntimeError("the Lambda runtime emulator is not running (moto_launcher.main starts it)")

        payload = body if isinstance(body, bytes) else (body or "{}").encode("utf-8")
        rotation = getattr(_ROTATION, "state", None)
        step = None
        if rotation is not None:
            step = json.loads(payload).get("Step")
            if rotation["failed"]:
                # Secrets Manager stops a rotation at the step that failed.
                return b""
        invocation_type = _header(headers, "X-Amz-Invocation-Type") or "RequestResponse"
        if invocation_type == "DryRun":
            return b""
        spec = lambda_emulator.FunctionSpec(
            name=fn.function_name,
            arn=fn.function_arn,
            version=str(fn.version),
            handler=str(fn.handler or "bootstrap"),
            memory_mb=int(fn.memory_size or 128),
            timeout_s=float(fn.timeout or 3),
            environment={str(k): str(v) for k, v in (fn.environment_vars or {}).items()},
            code=code,
            region=fn.region,
        )
        if invocation_type == "Event":
            threading.Thread(target=_EMULATOR.invoke, args=(spec, payload), daemon=True).start()
            response_headers["Content-Length"] = "0"
            return b""
        result = _EMULATOR.invoke(spec, payload)
        if result.function_error:
            response_headers["x-amz-function-error"] = result.function_error
            if rotation is not None:
                rotation["failed"] = step or "?"
        response_headers["x-amz-log-result"] = lambda_emulator.log_result_header(result)
        response_headers["x-amz-executed-version"] = "$LATEST"
        response_headers["x-amzn-requestid"] = result.request_id
        response_headers["Content-Length"] = str(len(result.payload))
        return result.payload

    LambdaSimpleBackend.invoke = invoke


def patch_eks() -> None:
    from moto.eks.exceptions import ResourceNotFoundException
    from moto.eks.models import EKSBackend

    original_list_nodegroups = EKSBackend.list_nodegroups

    def list_nodegroups(self: Any, cluster_name: str, max_results: int, next_token: str | None) -> Any:
        if cluster_name not in self.clusters:
            raise ResourceNotFoundException(
                clusterName=cluster_name,
                nodegroupName=None,
                fargateProfileName=None,
                addonName=None,
                message=f"No cluster found for name: {cluster_name}.",
            )
        return original_list_nodegroups(self, cluster_name, max_results, next_token)

    EKSBackend.list_nodegroups = list_nodegroups


# ---------------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------------


def apply_patches() -> None:
    """Applies every fix; also used by tools/test_moto_launcher.py."""
    # No Docker on the rig: Lambda invocations use moto's simple (non-executing) backend.
    default_user_config["lambda"] = {"use_docker": False}
    default_user_config["batch"] = {"use_docker": False}
    patch_s3_intelligent_tiering()
    patch_s3_conditional_writes()
    patch_secretsmanager()
    patch_lambda()
    patch_eks()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--exit-on-stdin-eof", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="no request log on stderr")
    parser.add_argument(
        "--lambda-log-dir",
        default=None,
        help="where function output goes, one <function>.log each (default: a new temporary directory)",
    )
    args = parser.parse_args(argv)

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    if args.quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    apply_patches()
    server = ThreadedMotoServer(ip_address=args.host, port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    global _EMULATOR
    _EMULATOR = lambda_emulator.Emulator(
        {
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_EC2_METADATA_DISABLED": "true",
        },
        args.lambda_log_dir or tempfile.mkdtemp(prefix="moto-lambda-logs-"),
    )
    sys.stdout.write(f"MOTO_PORT={port}\n")
    sys.stdout.flush()

    if args.exit_on_stdin_eof:
        while sys.stdin.buffer.read(65536):
            pass
        _EMULATOR.shutdown()
        os._exit(0)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    while not stop.wait(1.0):
        pass
    _EMULATOR.shutdown()
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
