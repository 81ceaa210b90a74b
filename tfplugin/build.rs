//! Generates the tfplugin6, go-plugin and health gRPC server code with a vendored protoc,
//! so building needs no protoc installed by hand.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let protoc = protoc_bin_vendored::protoc_bin_path()?;
    let include = protoc_bin_vendored::include_path()?;
    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .generate_default_stubs(true)
        .compile_with_config(
            config,
            &[
                PathBuf::from("proto/tfplugin6.proto"),
                PathBuf::from("proto/goplugin.proto"),
                PathBuf::from("proto/health.proto"),
            ],
            &[PathBuf::from("proto"), include],
        )?;
    Ok(())
}
