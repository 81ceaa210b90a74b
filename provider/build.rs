//! Embeds the rotation function package (dist/rotation-lambda.zip, built by `make lambda`) into the provider,
//! so the data source `logexaminer_rotation_function_package` hands users the exact zip of this provider
//! version without a Rust toolchain on their side.
//!
//! Where the zip comes from, first match wins:
//! 1. `LOGEXAMINER_ROTATION_ZIP` (a path), for release pipelines that build the zip elsewhere;
//! 2. `<workspace>/dist/rotation-lambda.zip`.
//!
//! Without either the provider still builds (tests, `make demo` and development need no cargo-lambda): the
//! embedded package is empty and the data source answers with an error diagnostic that says how to get a
//! build with the package. Set `LOGEXAMINER_REQUIRE_ROTATION_ZIP=1` (release builds) to make a missing zip a
//! build failure instead.

use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-env-changed=LOGEXAMINER_ROTATION_ZIP");
    println!("cargo::rerun-if-env-changed=LOGEXAMINER_REQUIRE_ROTATION_ZIP");
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into()));
    let default = manifest.join("../dist/rotation-lambda.zip");
    // Rebuild when the zip appears, changes or goes away. A path that does not exist makes cargo rerun this
    // script on every build (relinking the provider and every test binary each time), so while the zip is
    // missing the `dist` directory is watched instead (a file appearing in it changes it); `make demo` creates
    // it. Only when even `dist` is missing is the missing path watched.
    let dist = manifest.join("../dist");
    if default.is_file() || !dist.is_dir() {
        println!("cargo::rerun-if-changed={}", default.display());
    } else {
        println!("cargo::rerun-if-changed={}", dist.display());
    }
    let source = match env::var_os("LOGEXAMINER_ROTATION_ZIP") {
        Some(p) if !p.is_empty() => {
            let p = PathBuf::from(p);
            println!("cargo::rerun-if-changed={}", p.display());
            if !p.is_file() {
                fail(&format!(
                    "LOGEXAMINER_ROTATION_ZIP={} does not name a file",
                    p.display()
                ));
            }
            Some(p)
        }
        _ => default.is_file().then_some(default),
    };
    let bytes = match &source {
        Some(p) => match fs::read(p) {
            Ok(b) if b.starts_with(b"PK") => b,
            Ok(_) => fail(&format!("{} is not a zip file", p.display())),
            Err(e) => fail(&format!("cannot read {}: {e}", p.display())),
        },
        None => {
            if env::var("LOGEXAMINER_REQUIRE_ROTATION_ZIP").is_ok_and(|v| v == "1") {
                fail(
                    "LOGEXAMINER_REQUIRE_ROTATION_ZIP=1 but no rotation function package: run `make lambda` \
                     (writes dist/rotation-lambda.zip) or set LOGEXAMINER_ROTATION_ZIP",
                );
            }
            println!(
                "cargo::warning=building without the rotation function package (run `make lambda` first to embed dist/rotation-lambda.zip)"
            );
            Vec::new()
        }
    };
    let out = PathBuf::from(env::var("OUT_DIR").unwrap_or_else(|_| ".".into()));
    if let Err(e) = fs::write(out.join("rotation-lambda.zip"), &bytes) {
        fail(&format!("cannot write the embedded package: {e}"));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
