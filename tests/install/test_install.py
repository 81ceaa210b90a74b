"""`make dist`, then `terraform init` of its output the ways users install a provider, under the real Terraform core.

Run by `make install-test` (part of `make test`), which builds the Lambda package and the release binary first.
A throwaway GPG key (its own GNUPGHOME) signs; `make dist` writes into a temporary directory, never into dist/.

(a) dist/mirror/ served over HTTPS on 127.0.0.1 as a `network_mirror` (Terraform checks the mirror's `h1:` hash);
(b) a local HTTPS server speaking the provider registry protocol (service discovery, versions, download with
    SHA256SUMS, its signature and the signing key) under the source `localhost:<port>/logexaminer/logexaminer`:
    Terraform itself verifies the signature and the zip's checksum.
Both servers use a throwaway CA, trusted through SSL_CERT_FILE (Go reads it instead of the system roots). Each
install is checked by the lock file's hashes, a second `init` that changes nothing, and an apply of the rotation
package data source, whose hash must be that of dist/rotation-lambda.zip (the provider embeds it). Tampered
zips and signatures make `init` fail with Terraform's own message.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.server
import io
import ipaddress
import json
import os
import re
import shutil
import ssl
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
TERRAFORM = REPO / ".tools" / "bin" / "terraform"
VENV_PYTHON = REPO / ".tools" / "venv" / "bin" / "python"
NAME = "terraform-provider-logexaminer"
NAMESPACE = TYPE = "logexaminer"
LAMBDA_ZIP = Path(os.environ.get("LOGEXAMINER_ROTATION_ZIP") or REPO / "dist" / "rotation-lambda.zip")
PLATFORM = "linux_amd64"


def provider_version() -> str:
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps"],
            cwd=REPO,
            check=True,
            capture_output=True,
        ).stdout
    )
    (pkg,) = [p for p in meta["packages"] if p["name"] == NAME]
    return pkg["version"]


VERSION = provider_version()
PREFIX = f"{NAME}_{VERSION}"
ZIP_NAME = f"{PREFIX}_{PLATFORM}.zip"


# ------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def gpg_key(tmp_path_factory):
    """A throwaway RSA signing key in its own GNUPGHOME: (env, fingerprint, ASCII-armored public key)."""
    if shutil.which("gpg") is None:
        pytest.fail("gpg is missing: run `make setup` (installs gnupg)")
    home = tmp_path_factory.mktemp("gnupg")
    home.chmod(0o700)
    env = {**os.environ, "GNUPGHOME": str(home)}
    subprocess.run(
        ["gpg", "--batch", "--passphrase", "", "--quick-gen-key", "LogExaminer test <test@example.invalid>",
         "rsa3072", "sign", "1d"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    listing = subprocess.run(
        ["gpg", "--batch", "--with-colons", "--list-secret-keys"], env=env, check=True, capture_output=True, text=True
    ).stdout
    fingerprint = next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:"))
    armor = subprocess.run(
        ["gpg", "--batch", "--armor", "--export", fingerprint], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert armor.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    try:
        yield env, fingerprint, armor
    finally:
        # The agent gpg started for this GNUPGHOME.
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False, capture_output=True)


@pytest.fixture(scope="module")
def dist(gpg_key, tmp_path_factory):
    """`make dist`, with the throwaway key, into a temporary directory."""
    env, fingerprint, _ = gpg_key
    out = tmp_path_factory.mktemp("dist")
    env = {**env, "GPG_FINGERPRINT": fingerprint, "DIST_OUT": str(out)}
    proc = subprocess.run(["make", "--no-print-directory", "dist"], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, f"make dist failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A throwaway CA and a server certificate for localhost and 127.0.0.1: (ca.pem, cert.pem, key.pem)."""
    d = tmp_path_factory.mktemp("tls")
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "LogExaminer install test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    paths = (d / "ca.pem", d / "cert.pem", d / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


class HttpsServer:
    """Serves `routes` (path -> (content type, body bytes)) over HTTPS on 127.0.0.1; logs request paths."""

    def __init__(self, tls_paths):
        _, cert, key = tls_paths
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                found = server.routes.get(self.path.split("?", 1)[0])
                if found is None:
                    self.send_error(404)
                    return
                content_type, body = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def add_file(self, url_path: str, file: Path, content_type: str = "application/octet-stream"):
        self.routes[url_path] = (content_type, file.read_bytes())

    def add_json(self, url_path: str, doc):
        self.routes[url_path] = ("application/json", json.dumps(doc).encode())

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def https(tls):
    server = HttpsServer(tls)
    try:
        yield server
    finally:
        server.close()


# ------------------------------------------------------------------------------------------- helpers


def tamper(data: bytes) -> bytes:
    """The same bytes with one flipped in the middle."""
    i = len(data) // 2
    return data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]


def tampered_zip(path: Path) -> bytes:
    """A well-formed zip like `path` whose binary has one byte changed."""
    out = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, tamper(src.read(info)))
    return out.getvalue()


def config(source: str) -> str:
    return f"""
terraform {{
  required_providers {{
    logexaminer = {{
      source  = "{source}"
      version = "{VERSION}"
    }}
  }}
}}

provider "logexaminer" {{
  region = "us-east-1"
}}

data "logexaminer_rotation_function_package" "this" {{
  output_directory = "${{path.root}}/.terraform/logexaminer"
}}

output "source_code_hash" {{
  value = data.logexaminer_rotation_function_package.this.source_code_hash
}}
"""


class Workdir:
    def __init__(self, root: Path, ca_pem: Path, source: str, cli_config: str):
        self.dir = root / "config"
        self.dir.mkdir()
        (self.dir / "main.tf").write_text(config(source))
        rc = root / "terraform.rc"
        rc.write_text(cli_config)
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("TF_", "AWS_")) and key not in ("SSL_CERT_DIR", "HTTPS_PROXY", "https_proxy")
        }
        self.env.update(
            TF_CLI_CONFIG_FILE=str(rc),
            TF_IN_AUTOMATION="1",
            SSL_CERT_FILE=str(ca_pem),
            AWS_ACCESS_KEY_ID="test",
            AWS_SECRET_ACCESS_KEY="test",
            AWS_EC2_METADATA_DISABLED="true",
        )

    def run(self, *args: str) -> tuple[int, str]:
        proc = subprocess.run(
            [str(TERRAFORM), f"-chdir={self.dir}", *args, "-no-color"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return proc.returncode, proc.stdout + proc.stderr

    def init(self) -> tuple[int, str]:
        return self.run("init", "-input=false")

    def lock_hashes(self, source: str) -> list[str]:
        text = (self.dir / ".terraform.lock.hcl").read_text()
        block = re.search(r'provider "%s" \{(.*?)\n\}' % re.escape(source), text, re.S)
        assert block, text
        assert f'version     = "{VERSION}"' in block.group(1), text
        return re.findall(r'"((?:h1|zh):[^"]+)"', block.group(1))


def h1_of_zip(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        lines = "".join(
            f"{hashlib.sha256(archive.read(n)).hexdigest()}  {n}\n" for n in sorted(archive.namelist())
        )
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


def assert_installed_and_stable(work: Workdir, source: str, init_out: str, expected_hashes: set[str]):
    """Lock file hashes, a no-op second init, and the embedded rotation package served by the installed binary."""
    shown = source.removeprefix("registry.terraform.io/")  # how Terraform prints the address
    assert f"Installed {shown} v{VERSION}" in init_out, init_out
    lock_file = work.dir / ".terraform.lock.hcl"
    assert set(work.lock_hashes(source)) == expected_hashes
    before = lock_file.read_bytes()

    rc, again = work.init()
    assert rc == 0, again
    assert f"Reusing previous version of {shown} from the dependency lock file" in again, again
    assert f"Using previously-installed {shown} v{VERSION}" in again, again
    assert "Installed " not in again, again
    assert lock_file.read_bytes() == before

    rc, out = work.run("apply", "-auto-approve", "-input=false")
    assert rc == 0, out
    rc, out = work.run("output", "-raw", "source_code_hash")
    assert rc == 0, out
    assert out.strip() == base64.b64encode(hashlib.sha256(LAMBDA_ZIP.read_bytes()).digest()).decode()


# ------------------------------------------------------------------------------------------- tests


def test_dist_layout(dist, gpg_key):
    env, fingerprint, _ = gpg_key
    files = sorted(p.name for p in dist.iterdir() if p.is_file())
    assert files == sorted(
        [ZIP_NAME, f"{PREFIX}_SHA256SUMS", f"{PREFIX}_SHA256SUMS.sig", f"{PREFIX}_manifest.json"]
    )
    with zipfile.ZipFile(dist / ZIP_NAME) as archive:
        assert archive.namelist() == [f"{NAME}_v{VERSION}"]
        assert (archive.infolist()[0].external_attr >> 16) & 0o111, "the binary is not executable"
        assert LAMBDA_ZIP.read_bytes() in archive.read(f"{NAME}_v{VERSION}"), "the rotation package is not embedded"
    assert json.loads((dist / f"{PREFIX}_manifest.json").read_text()) == json.loads(
        (REPO / "terraform-registry-manifest.json").read_text()
    )
    sums = (dist / f"{PREFIX}_SHA256SUMS").read_text().splitlines()
    # one line a file, ordered by file name (as the registry's publishing workflow writes them), not by digest
    assert sums == [
        f"{hashlib.sha256((dist / n).read_bytes()).hexdigest()}  {n}"
        for n in sorted((ZIP_NAME, f"{PREFIX}_manifest.json"))
    ]
    sig = (dist / f"{PREFIX}_SHA256SUMS.sig").read_bytes()
    assert not sig.startswith(b"-----BEGIN"), "the registry wants a binary (not armored) signature"
    verify = subprocess.run(
        ["gpg", "--batch", "--status-fd", "1", "--verify", str(dist / f"{PREFIX}_SHA256SUMS.sig"),
         str(dist / f"{PREFIX}_SHA256SUMS")],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert verify.returncode == 0, verify.stderr
    assert f"VALIDSIG {fingerprint}" in verify.stdout

    provider_dir = dist / "mirror" / "registry.terraform.io" / NAMESPACE / TYPE
    assert json.loads((provider_dir / "index.json").read_text()) == {"versions": {VERSION: {}}}
    doc = json.loads((provider_dir / f"{VERSION}.json").read_text())
    zip_bytes = (dist / ZIP_NAME).read_bytes()
    assert doc == {
        "archives": {
            PLATFORM: {
                "url": ZIP_NAME,
                "hashes": [h1_of_zip(dist / ZIP_NAME), "zh:" + hashlib.sha256(zip_bytes).hexdigest()],
            }
        }
    }
    assert (provider_dir / ZIP_NAME).read_bytes() == zip_bytes


def mirror_cli_config(port: int) -> str:
    return f"""
provider_installation {{
  network_mirror {{
    url = "https://127.0.0.1:{port}/"
  }}
}}
"""


def serve_mirror(https: HttpsServer, dist: Path) -> Path:
    base = dist / "mirror"
    for f in base.rglob("*"):
        if f.is_file():
            # The protocol wants the JSON documents served as application/json.
            kind = "application/json" if f.suffix == ".json" else "application/zip"
            https.add_file("/" + f.relative_to(base).as_posix(), f, kind)
    return base / "registry.terraform.io" / NAMESPACE / TYPE


def test_init_from_network_mirror(dist, tls, https, tmp_path):
    provider_dir = serve_mirror(https, dist)
    doc = json.loads((provider_dir / f"{VERSION}.json").read_text())
    work = Workdir(tmp_path, tls[0], "logexaminer/logexaminer", mirror_cli_config(https.port))
    rc, out = work.init()
    assert rc == 0, out
    assert f"/registry.terraform.io/{NAMESPACE}/{TYPE}/{ZIP_NAME}" in https.requests
    # Terraform records the hash it checked the package against: the mirror's h1.
    assert_installed_and_stable(work, "registry.terraform.io/logexaminer/logexaminer", out, {h1_of_zip(dist / ZIP_NAME)})
    assert https.requests.count(f"/registry.terraform.io/{NAMESPACE}/{TYPE}/{ZIP_NAME}") == 1
    assert doc["archives"][PLATFORM]["hashes"][0] == h1_of_zip(dist / ZIP_NAME)


def test_network_mirror_with_a_tampered_zip_fails(dist, tls, https, tmp_path):
    provider_dir = serve_mirror(https, dist)
    path = f"/registry.terraform.io/{NAMESPACE}/{TYPE}/{ZIP_NAME}"
    https.routes[path] = ("application/zip", tampered_zip(provider_dir / ZIP_NAME))
    work = Workdir(tmp_path, tls[0], "logexaminer/logexaminer", mirror_cli_config(https.port))
    rc, out = work.init()
    assert rc == 1, out
    assert "Error: Failed to install provider" in out, out
    # (Terraform's wording, "the any" included.)
    assert "provider package doesn't match the any of the expected checksums" in " ".join(out.split()), out
    assert not (work.dir / ".terraform.lock.hcl").exists()


def serve_registry(https: HttpsServer, dist: Path, armor: str, key_id: str) -> None:
    base = f"https://localhost:{https.port}"
    https.add_json("/.well-known/terraform.json", {"providers.v1": "/v1/providers/"})
    protocols = [
        f"{v}.0" if "." not in v else v
        for v in json.loads((dist / f"{PREFIX}_manifest.json").read_text())["metadata"]["protocol_versions"]
    ]
    https.add_json(
        f"/v1/providers/{NAMESPACE}/{TYPE}/versions",
        {"versions": [{"version": VERSION, "protocols": protocols, "platforms": [{"os": "linux", "arch": "amd64"}]}]},
    )
    https.add_json(
        f"/v1/providers/{NAMESPACE}/{TYPE}/{VERSION}/download/linux/amd64",
        {
            "protocols": protocols,
            "os": "linux",
            "arch": "amd64",
            "filename": ZIP_NAME,
            "download_url": f"{base}/releases/{ZIP_NAME}",
            "shasums_url": f"{base}/releases/{PREFIX}_SHA256SUMS",
            "shasums_signature_url": f"{base}/releases/{PREFIX}_SHA256SUMS.sig",
            "shasum": hashlib.sha256((dist / ZIP_NAME).read_bytes()).hexdigest(),
            "signing_keys": {"gpg_public_keys": [{"key_id": key_id, "ascii_armor": armor}]},
        },
    )
    for name in (ZIP_NAME, f"{PREFIX}_SHA256SUMS", f"{PREFIX}_SHA256SUMS.sig"):
        https.add_file(f"/releases/{name}", dist / name)


def test_init_from_registry_protocol_checks_the_signature(dist, gpg_key, tls, https, tmp_path):
    _, fingerprint, armor = gpg_key
    serve_registry(https, dist, armor, fingerprint[-16:])
    source = f"localhost:{https.port}/{NAMESPACE}/{TYPE}"
    work = Workdir(tmp_path, tls[0], source, "")
    rc, out = work.init()
    assert rc == 0, out
    assert f"/releases/{PREFIX}_SHA256SUMS.sig" in https.requests
    # Terraform names the key it verified the checksums with (not HashiCorp's nor a partner's: "self-signed").
    assert f"Installed {source} v{VERSION} (self-signed, key ID {fingerprint[-16:]})" in out, out
    # The signed checksum list vouches for every file it names: Terraform records all of them as zh: hashes.
    zh = {"zh:" + line.split()[0] for line in (dist / f"{PREFIX}_SHA256SUMS").read_text().splitlines()}
    assert_installed_and_stable(work, source, out, {h1_of_zip(dist / ZIP_NAME)} | zh)
    assert https.requests.count(f"/releases/{ZIP_NAME}") == 1


@pytest.mark.parametrize("what", ["zip", "signature", "shasums"])
def test_registry_install_refuses_tampered_artifacts(what, dist, gpg_key, tls, https, tmp_path):
    _, fingerprint, armor = gpg_key
    serve_registry(https, dist, armor, fingerprint[-16:])
    if what == "zip":
        # Another zip than the one the signed checksums name.
        content_type, body = https.routes[f"/releases/{ZIP_NAME}"]
        https.routes[f"/releases/{ZIP_NAME}"] = (content_type, tamper(body))
    elif what == "signature":
        content_type, body = https.routes[f"/releases/{PREFIX}_SHA256SUMS.sig"]
        https.routes[f"/releases/{PREFIX}_SHA256SUMS.sig"] = (content_type, tamper(body))
    else:
        # Another zip with checksums to match (in SHA256SUMS and in the download answer), but the signature
        # cannot follow: only the signing key could make one.
        content_type, body = https.routes[f"/releases/{ZIP_NAME}"]
        evil = tamper(body)
        https.routes[f"/releases/{ZIP_NAME}"] = (content_type, evil)
        good, bad = hashlib.sha256(body).hexdigest(), hashlib.sha256(evil).hexdigest()
        content_type, sums = https.routes[f"/releases/{PREFIX}_SHA256SUMS"]
        https.routes[f"/releases/{PREFIX}_SHA256SUMS"] = (content_type, sums.replace(good.encode(), bad.encode()))
        download = f"/v1/providers/{NAMESPACE}/{TYPE}/{VERSION}/download/linux/amd64"
        content_type, answer = https.routes[download]
        https.routes[download] = (content_type, answer.replace(good.encode(), bad.encode()))
    work = Workdir(tmp_path, tls[0], f"localhost:{https.port}/{NAMESPACE}/{TYPE}", "")
    rc, out = work.init()
    assert rc == 1, out
    assert "Error: Failed to install provider" in out, out
    expected = {
        "zip": "archive has incorrect checksum",
        "signature": "error checking signature: openpgp: invalid signature",
        "shasums": "error checking signature: openpgp: invalid signature",
    }[what]
    assert expected in " ".join(out.split()), out
    assert not (work.dir / ".terraform.lock.hcl").exists()
