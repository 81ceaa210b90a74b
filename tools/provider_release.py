"""Release packaging of the LogExaminer provider: zips, checksums and the provider network mirror.

Used by scripts/dist.sh (`make dist`); the pure parts are unit-tested in tools/test_provider_release.py.

Subcommands (paths absolute or relative to the working directory):

  zip BINARY ZIP NAME
      writes ZIP holding BINARY as NAME (mode 0755, a fixed timestamp: the same binary gives the same zip).
  sums OUT FILE...
      writes OUT in the `sha256sum` format the Terraform registry reads (`<hex>  <file name>`, sorted by name).
  mirror MIRROR_DIR HOST NAMESPACE TYPE VERSION ZIP...
      writes the provider network mirror layout (Terraform's "Provider Network Mirror Protocol"):
      MIRROR_DIR/HOST/NAMESPACE/TYPE/index.json, .../VERSION.json, and the zips beside them. Each archive is
      listed with its `h1:` hash (what Terraform checks a mirror's package against and records in the
      lock file) and its `zh:` hash (SHA-256 of the zip, what the registry's SHA256SUMS carries).

Hash schemes (Terraform's internal/getproviders/hash.go): `zh:` is the lowercase hex SHA-256 of the zip
file; `h1:` is Go's dirhash "h1" of the package contents: for every file of the archive, sorted by name, a
line `<hex sha256 of the file>  <name>\\n`; the SHA-256 of those lines, base64 (standard, padded).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
import zipfile
from pathlib import Path

# The earliest date a zip entry can carry; a fixed value keeps the archive reproducible.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_PLATFORM_RE = re.compile(r"^(?P<prefix>.+)_(?P<version>[^_]+)_(?P<os>[a-z0-9]+)_(?P<arch>[a-z0-9]+)\.zip$")


def zh_hash(zip_bytes: bytes) -> str:
    """Terraform's `zh:` hash of a provider zip: the hex SHA-256 of the file."""
    return "zh:" + hashlib.sha256(zip_bytes).hexdigest()


def h1_hash_of_files(files: dict[str, bytes]) -> str:
    """Terraform's `h1:` hash (Go dirhash Hash1) of a package given as {name: contents}."""
    summary = []
    for name in sorted(files):
        if "\n" in name:
            raise ValueError(f"file name {name!r} contains a newline")
        summary.append(f"{hashlib.sha256(files[name]).hexdigest()}  {name}\n")
    digest = hashlib.sha256("".join(summary).encode()).digest()
    return "h1:" + base64.b64encode(digest).decode()


def h1_hash_of_zip(path: Path) -> str:
    """Terraform's `h1:` hash of a provider zip: Hash1 over every entry of the archive."""
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if len(set(names)) != len(names):
            raise ValueError(f"{path}: duplicate entries")
        return h1_hash_of_files({name: archive.read(name) for name in names})


def write_zip(binary: Path, out: Path, name: str) -> None:
    """A zip with `binary` as the single executable entry `name`."""
    info = zipfile.ZipInfo(name, date_time=_ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix: the external attributes carry the mode
    info.external_attr = (0o100755 & 0xFFFF) << 16
    tmp = out.with_name(out.name + ".tmp")
    with zipfile.ZipFile(tmp, "w") as archive:
        archive.writestr(info, binary.read_bytes(), compresslevel=9)
    tmp.replace(out)


def sha256sums(files: list[Path]) -> str:
    """The SHA256SUMS text for `files` (by base name, sorted)."""
    names = [f.name for f in files]
    if len(set(names)) != len(names):
        raise ValueError("two files with the same name")
    lines = [f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.name}\n" for f in sorted(files, key=lambda f: f.name)]
    return "".join(lines)


def platform_of(zip_name: str, prefix: str, version: str) -> str:
    """`linux_amd64` from `terraform-provider-x_1.0.0_linux_amd64.zip`, checking prefix and version."""
    m = _PLATFORM_RE.match(zip_name)
    if not m or m.group("prefix") != prefix or m.group("version") != version:
        raise ValueError(f"{zip_name} is not named {prefix}_{version}_<os>_<arch>.zip")
    return f"{m.group('os')}_{m.group('arch')}"


def mirror_documents(version: str, archives: dict[str, tuple[str, list[str]]]) -> tuple[dict, dict]:
    """(index.json, <version>.json) for one version; `archives` maps platform to (url, hashes)."""
    index = {"versions": {version: {}}}
    version_doc = {
        "archives": {
            platform: {"url": url, "hashes": hashes} for platform, (url, hashes) in sorted(archives.items())
        }
    }
    return index, version_doc


def write_mirror(mirror: Path, host: str, namespace: str, type_: str, version: str, zips: list[Path]) -> Path:
    """Writes the network mirror for `zips` under `mirror`; returns the provider's directory."""
    prefix = f"terraform-provider-{type_}"
    provider_dir = mirror / host / namespace / type_
    provider_dir.mkdir(parents=True, exist_ok=True)
    archives = {}
    for zip_path in zips:
        platform = platform_of(zip_path.name, prefix, version)
        if platform in archives:
            raise ValueError(f"two archives for {platform}")
        data = zip_path.read_bytes()
        (provider_dir / zip_path.name).write_bytes(data)
        # URLs are relative to the <version>.json document.
        archives[platform] = (zip_path.name, [h1_hash_of_zip(zip_path), zh_hash(data)])
    index, version_doc = mirror_documents(version, archives)
    (provider_dir / "index.json").write_text(json.dumps(index, indent=2) + "\n")
    (provider_dir / f"{version}.json").write_text(json.dumps(version_doc, indent=2) + "\n")
    return provider_dir


def main(argv: list[str]) -> int:
    usage = __doc__.split("Subcommands", 1)[1].split("Hash schemes", 1)[0]
    if not argv:
        sys.stderr.write(f"usage:{usage}")
        return 2
    cmd, args = argv[0], argv[1:]
    try:
        if cmd == "zip" and len(args) == 3:
            write_zip(Path(args[0]), Path(args[1]), args[2])
        elif cmd == "sums" and len(args) >= 2:
            Path(args[0]).write_text(sha256sums([Path(a) for a in args[1:]]))
        elif cmd == "mirror" and len(args) >= 6:
            mirror, host, namespace, type_, version, *zips = args
            write_mirror(Path(mirror), host, namespace, type_, version, [Path(z) for z in zips])
        else:
            sys.stderr.write(f"provider_release: bad arguments {argv!r}; usage:{usage}")
            return 2
    except (OSError, ValueError, zipfile.BadZipFile) as err:
        sys.stderr.write(f"provider_release: ERROR: {err}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
