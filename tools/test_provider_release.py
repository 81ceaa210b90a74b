"""Unit tests of tools/provider_release.py (release zips, SHA256SUMS, network mirror documents).

That Terraform accepts these hashes is shown end to end by tests/install (it checks a mirror's `h1:` hash
against the package it downloads and records it in the lock file).
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
import zipfile

import pytest

import provider_release as pr


def test_h1_is_go_dirhash_hash1():
    files = {"b.txt": b"bee\n", "a/x": b""}
    bee = hashlib.sha256(b"bee\n").hexdigest()
    lines = f"{hashlib.sha256(b'').hexdigest()}  a/x\n{bee}  b.txt\n"
    expected = "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()
    assert pr.h1_hash_of_files(files) == expected
    # The order of the input does not matter; the names do.
    assert pr.h1_hash_of_files(dict(reversed(list(files.items())))) == expected
    assert pr.h1_hash_of_files({"c.txt": b"bee\n", "a/x": b""}) != expected


def test_h1_of_an_empty_package_is_the_hash_of_nothing():
    assert pr.h1_hash_of_files({}) == "h1:" + base64.b64encode(hashlib.sha256(b"").digest()).decode()


def test_h1_rejects_newlines_in_names():
    with pytest.raises(ValueError):
        pr.h1_hash_of_files({"a\nb": b""})


def test_zip_holds_one_executable_and_is_reproducible(tmp_path):
    binary = tmp_path / "bin"
    binary.write_bytes(b"\x7fELF" + b"x" * 1000)
    one, two = tmp_path / "one.zip", tmp_path / "two.zip"
    pr.write_zip(binary, one, "terraform-provider-demo_v1.2.3")
    pr.write_zip(binary, two, "terraform-provider-demo_v1.2.3")
    assert one.read_bytes() == two.read_bytes()
    with zipfile.ZipFile(one) as archive:
        (info,) = archive.infolist()
        assert info.filename == "terraform-provider-demo_v1.2.3"
        assert stat.S_IMODE(info.external_attr >> 16) == 0o755
        assert archive.read(info) == binary.read_bytes()
    assert pr.h1_hash_of_zip(one) == pr.h1_hash_of_files({"terraform-provider-demo_v1.2.3": binary.read_bytes()})
    assert pr.zh_hash(one.read_bytes()) == "zh:" + hashlib.sha256(one.read_bytes()).hexdigest()


def test_sha256sums_format(tmp_path):
    b, a = tmp_path / "b.zip", tmp_path / "a.json"
    b.write_bytes(b"B")
    a.write_bytes(b"A")
    assert pr.sha256sums([b, a]) == (
        f"{hashlib.sha256(b'A').hexdigest()}  a.json\n{hashlib.sha256(b'B').hexdigest()}  b.zip\n"
    )


@pytest.mark.parametrize(
    "name, platform",
    [
        ("terraform-provider-demo_1.2.3_linux_amd64.zip", "linux_amd64"),
        ("terraform-provider-demo_1.2.3_darwin_arm64.zip", "darwin_arm64"),
    ],
)
def test_platform_of(name, platform):
    assert pr.platform_of(name, "terraform-provider-demo", "1.2.3") == platform


@pytest.mark.parametrize(
    "name",
    [
        "terraform-provider-demo_1.2.4_linux_amd64.zip",
        "terraform-provider-other_1.2.3_linux_amd64.zip",
        "terraform-provider-demo_1.2.3_linux.zip",
        "terraform-provider-demo_1.2.3_linux_amd64.tar.gz",
    ],
)
def test_platform_of_rejects_other_names(name):
    with pytest.raises(ValueError):
        pr.platform_of(name, "terraform-provider-demo", "1.2.3")


def test_mirror_layout(tmp_path):
    binary = tmp_path / "bin"
    binary.write_bytes(b"provider")
    zips = []
    for platform in ("linux_amd64", "linux_arm64"):
        z = tmp_path / f"terraform-provider-demo_1.2.3_{platform}.zip"
        pr.write_zip(binary, z, "terraform-provider-demo_v1.2.3")
        zips.append(z)
    provider_dir = pr.write_mirror(tmp_path / "mirror", "registry.terraform.io", "acme", "demo", "1.2.3", zips)
    assert provider_dir == tmp_path / "mirror/registry.terraform.io/acme/demo"
    assert json.loads((provider_dir / "index.json").read_text()) == {"versions": {"1.2.3": {}}}
    doc = json.loads((provider_dir / "1.2.3.json").read_text())
    assert sorted(doc["archives"]) == ["linux_amd64", "linux_arm64"]
    for platform, archive in doc["archives"].items():
        z = provider_dir / archive["url"]
        assert archive["url"] == f"terraform-provider-demo_1.2.3_{platform}.zip"
        assert archive["hashes"] == [pr.h1_hash_of_zip(z), pr.zh_hash(z.read_bytes())]


def test_mirror_refuses_two_archives_for_one_platform(tmp_path):
    binary = tmp_path / "bin"
    binary.write_bytes(b"provider")
    z = tmp_path / "terraform-provider-demo_1.2.3_linux_amd64.zip"
    pr.write_zip(binary, z, "terraform-provider-demo_v1.2.3")
    with pytest.raises(ValueError):
        pr.write_mirror(tmp_path / "m", "registry.terraform.io", "acme", "demo", "1.2.3", [z, z])


def test_cli_bad_arguments_exit_2(capsys):
    assert pr.main(["zip", "only-one"]) == 2
    assert "usage" in capsys.readouterr().err
