//! Data source `logexaminer_rotation_function_package`: writes the secret rotation function's deployment
//! package (the `bootstrap` zip for the `provided.al2023` runtime, built from this provider's sources and
//! embedded at build time, see `provider/build.rs`) to a directory and returns its path and base64 SHA-256
//! for `aws_lambda_function.filename` / `source_code_hash`. Users need no Rust toolchain, and the function
//! always matches the provider version that manages its rotations.
//!
//! The file is written atomically (temporary file, then rename) and only when missing or different, so
//! repeated plans do not touch it.

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tfplugin::schema::check;
use tfplugin::{AttrPath, Attribute, Block, Ctx, DataSource, DiagResult, Diagnostic, Schema};

use crate::ProviderData;

/// The data source type name.
pub const TYPE_NAME: &str = "logexaminer_rotation_function_package";

/// The embedded package (empty when the provider was built without one).
pub static PACKAGE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/rotation-lambda.zip"));

/// The provider (and function) version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The data source.
pub struct RotationFunctionPackage;

/// The model.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Directory to write the zip to.
    pub output_directory: String,
    /// File name inside it.
    pub filename: Option<String>,
    /// Full path of the written zip.
    pub output_path: Option<String>,
    /// Base64 SHA-256 of the zip.
    pub source_code_hash: Option<String>,
    /// Hex SHA-256 of the zip.
    pub sha256_hex: Option<String>,
    /// Size in bytes.
    pub size_bytes: Option<i64>,
    /// Provider and function version.
    pub version: Option<String>,
    /// Runtime for `aws_lambda_function.runtime`.
    pub runtime: Option<String>,
    /// Handler for `aws_lambda_function.handler`.
    pub handler: Option<String>,
    /// Architecture for `aws_lambda_function.architectures`.
    pub architecture: Option<String>,
    /// Same as `output_path`.
    pub id: Option<String>,
}

/// Why the package cannot be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The provider was built without the package.
    #[error(
        "this build of the provider has no rotation function package: it was built without dist/rotation-lambda.zip. Use a released provider, or build it after `make lambda` (or with LOGEXAMINER_ROTATION_ZIP pointing at the zip)"
    )]
    NotEmbedded,
    /// Writing failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// The default file name: `rotation-lambda-<version>.zip`.
pub fn default_filename() -> String {
    format!("rotation-lambda-{VERSION}.zip")
}

/// Base64 and hex SHA-256 of `bytes`.
pub fn digests(bytes: &[u8]) -> (String, String) {
    let d = Sha256::digest(bytes);
    let hex = d.iter().map(|b| format!("{b:02x}")).collect();
    (BASE64.encode(d), hex)
}

/// Writes `bytes` to `dir/filename` unless an identical file is there already (atomically otherwise);
/// creates `dir`. Returns the path.
pub fn write_package(dir: &Path, filename: &str, bytes: &[u8]) -> Result<PathBuf, PackageError> {
    if bytes.is_empty() {
        return Err(PackageError::NotEmbedded);
    }
    let path = dir.join(filename);
    let werr = |p: &Path, source| PackageError::Write {
        path: p.display().to_string(),
        source,
    };
    if std::fs::read(&path).is_ok_and(|existing| existing == bytes) {
        return Ok(path);
    }
    std::fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
    let tmp = dir.join(format!(".{filename}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| werr(&tmp, e))?;
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        werr(&path, e)
    })?;
    Ok(path)
}

fn filename_ok(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name.contains('/')
        || name.contains('\\')
        || name == "."
        || name == ".."
        || !name.ends_with(".zip")
    {
        return Err(format!(
            "{name:?} is not a plain file name ending in .zip (no directories; put those in output_directory)."
        ));
    }
    Ok(())
}

#[async_trait]
impl DataSource<ProviderData> for RotationFunctionPackage {
    type Model = Model;

    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        Schema::new(
            Block::new("Writes the secret rotation function's deployment package — the exact `bootstrap` zip built from this provider version's sources for the `provided.al2023` runtime on x86_64 — to a directory, and returns its path and hash for `aws_lambda_function`. No Rust toolchain is needed. The file is only rewritten when missing or different.")
                .attr(Attribute::string("output_directory").required().describe("Directory to write the zip to (created when missing), e.g. `${path.module}/.build` or `${path.root}/.terraform/tmp`."))
                .attr(Attribute::string("filename").describe("File name of the zip; default `rotation-lambda-<version>.zip`.").validate(check("Invalid file name", "A plain file name ending in `.zip`.", |v| match v.as_str() {
                    Some(n) => filename_ok(n),
                    None => Ok(()),
                })))
                .attr(Attribute::string("output_path").computed().describe("Path of the written zip: pass it to `aws_lambda_function.filename`."))
                .attr(Attribute::string("source_code_hash").computed().describe("Base64-encoded SHA-256 of the zip: pass it to `aws_lambda_function.source_code_hash` so a provider upgrade redeploys the function."))
                .attr(Attribute::string("sha256_hex").computed().describe("Hex SHA-256 of the zip (what `sha256sum` prints)."))
                .attr(Attribute::number("size_bytes").computed().describe("Size of the zip in bytes."))
                .attr(Attribute::string("version").computed().describe("The provider version the package belongs to."))
                .attr(Attribute::string("runtime").computed().describe("`provided.al2023`, for `aws_lambda_function.runtime`."))
                .attr(Attribute::string("handler").computed().describe("`bootstrap`, for `aws_lambda_function.handler`."))
                .attr(Attribute::string("architecture").computed().describe("`x86_64`, for `aws_lambda_function.architectures`."))
                .attr(Attribute::string("id").computed().describe("Same as `output_path`.")),
        )
    }

    async fn read(&self, _ctx: &Ctx<ProviderData>, mut m: Model) -> DiagResult<Model> {
        let filename = m.filename.clone().unwrap_or_else(default_filename);
        if let Err(e) = filename_ok(&filename) {
            return Err(Diagnostic::error("Invalid file name", e)
                .at(AttrPath::attribute("filename"))
                .into());
        }
        let path =
            write_package(Path::new(&m.output_directory), &filename, PACKAGE).map_err(|e| {
                let path = match e {
                    PackageError::NotEmbedded => AttrPath::root(),
                    _ => AttrPath::attribute("output_directory"),
                };
                let d = Diagnostic::error("Rotation function package not written", e.to_string());
                if path.is_root() { d } else { d.at(path) }
            })?;
        let (b64, hex) = digests(PACKAGE);
        let path = path.display().to_string();
        m.output_path = Some(path.clone());
        m.id = Some(path);
        m.source_code_hash = Some(b64);
        m.sha256_hex = Some(hex);
        m.size_bytes = Some(i64::try_from(PACKAGE.len()).unwrap_or(i64::MAX));
        m.version = Some(VERSION.to_owned());
        m.runtime = Some("provided.al2023".to_owned());
        m.handler = Some("bootstrap".to_owned());
        m.architecture = Some("x86_64".to_owned());
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_sha256() {
        let (b64, hex) = digests(b"abc");
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
    }

    #[test]
    fn writes_once_and_atomically() {
        let dir = std::env::temp_dir().join(format!("lx-pkg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let p = write_package(&dir.join("sub"), "f.zip", b"PK\x03\x04data").expect("write");
        assert_eq!(std::fs::read(&p).expect("read"), b"PK\x03\x04data");
        let before = std::fs::metadata(&p)
            .and_then(|m| m.modified())
            .expect("mtime");
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_package(&dir.join("sub"), "f.zip", b"PK\x03\x04data").expect("again");
        let after = std::fs::metadata(&p)
            .and_then(|m| m.modified())
            .expect("mtime");
        assert_eq!(before, after, "an identical file is not rewritten");
        write_package(&dir.join("sub"), "f.zip", b"PK\x03\x04other").expect("changed");
        assert_eq!(std::fs::read(&p).expect("read"), b"PK\x03\x04other");
        let leftovers: Vec<_> = std::fs::read_dir(dir.join("sub"))
            .expect("dir")
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        assert!(matches!(
            write_package(&dir, "f.zip", b""),
            Err(PackageError::NotEmbedded)
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn file_names() {
        for ok in ["rotation.zip", "rotation-lambda-0.1.0.zip"] {
            assert_eq!(filename_ok(ok), Ok(()), "{ok}");
        }
        for bad in ["", "a/b.zip", "..", "x.tar", "c:\\x.zip"] {
            assert!(filename_ok(bad).is_err(), "{bad}");
        }
        assert!(default_filename().starts_with("rotation-lambda-"));
    }
}
