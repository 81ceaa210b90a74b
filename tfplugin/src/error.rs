//! Errors of the protocol layer itself (decoding, encoding, serving).

use thiserror::Error;

/// A value or type could not be decoded/encoded.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{message}")]
pub struct CodecError {
    message: String,
}

impl CodecError {
    /// A codec error with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        CodecError {
            message: message.into(),
        }
    }
}

/// Errors starting or running the plugin server.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Started without Terraform's magic cookie, i.e. not by Terraform.
    #[error(
        "This binary is a Terraform plugin. It is not meant to be run directly; run `terraform init` and Terraform will start it."
    )]
    NotLaunchedByTerraform,
    /// Terraform asked for protocol versions this server does not speak.
    #[error(
        "Terraform offered plugin protocol versions {0:?}; this provider speaks version 6 only"
    )]
    UnsupportedProtocol(String),
    /// No free port in the allowed range.
    #[error("no free TCP port on 127.0.0.1 between {min} and {max}: {source}")]
    NoPort {
        /// Lowest port allowed.
        min: u16,
        /// Highest port allowed.
        max: u16,
        /// Last bind error.
        source: std::io::Error,
    },
    /// TLS set-up failed (bad client certificate, key generation).
    #[error("TLS setup: {0}")]
    Tls(String),
    /// I/O error.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The gRPC transport failed.
    #[error("gRPC transport: {0}")]
    Transport(String),
}
