//! An empty stand-in for `webpki-roots` (Mozilla's root certificates).
//!
//! sqlx builds every rustls root store from `webpki_roots::TLS_SERVER_ROOTS` and then *adds* the CA bundle it
//! is given, so with the real crate a database certificate issued by any public CA for the database's name
//! would pass `verify-full`. The LogExaminer kit trusts only the Amazon RDS CAs built into metastore-sql, or
//! the user's `ca_bundle_pem` instead of them; the workspace patches `webpki-roots` with this crate so that the
//! base set is empty. Nothing else in the workspace uses `webpki-roots` (the AWS SDK clients use the
//! platform roots through their own HTTP stack); `cargo tree -i webpki-roots` shows who does.
#![no_std]
#![forbid(unsafe_code)]

use pki_types::TrustAnchor;

/// No trust anchors.
pub const TLS_SERVER_ROOTS: &[TrustAnchor<'static>] = &[];
