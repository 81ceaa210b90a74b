//! Throwaway TLS certificates for the test databases: a [`TestCa`] made at test time and server
//! certificates it issues ([`ServerCert`]) for loopback names, handed to [`crate::MariaDb::start_tls`],
//! [`crate::Mysql::start_tls`] and [`crate::Postgres::start_tls`]. Nothing here is trusted by anything outside the test that made it.

use std::fmt;

use anyhow::{Context, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A certificate authority that lives as long as the test.
pub struct TestCa {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl fmt::Debug for TestCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCa").finish_non_exhaustive()
    }
}

/// A server certificate with its private key (PEM, PKCS#8).
#[derive(Clone)]
pub struct ServerCert {
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8).
    pub key_pem: String,
}

impl fmt::Debug for ServerCert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerCert")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"***")
            .finish()
    }
}

impl TestCa {
    /// A new self-signed CA named `name` (its common name).
    pub fn new(name: &str) -> Result<Self> {
        let mut params =
            CertificateParams::new(Vec::<String>::new()).context("CA certificate parameters")?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().context("generating the CA key")?;
        let cert = params.self_signed(&key).context("self-signing the CA")?;
        Ok(Self {
            cert_pem: cert.pem(),
            issuer: Issuer::new(params, key),
        })
    }

    /// The CA certificate, PEM: what a client puts into its trust roots.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// A server certificate for exactly `names` (DNS names, or IP addresses such as `127.0.0.1`, which
    /// become IP subject alternative names).
    pub fn issue_server(&self, names: &[&str]) -> Result<ServerCert> {
        let mut params =
            CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>())
                .context("server certificate parameters")?;
        params.is_ca = IsCa::NoCa;
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, *first);
        }
        let key = KeyPair::generate().context("generating the server key")?;
        let cert = params
            .signed_by(&key, &self.issuer)
            .context("signing the server certificate")?;
        Ok(ServerCert {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_pem_certificates() -> Result<()> {
        let ca = TestCa::new("lx test CA")?;
        assert!(ca.cert_pem().starts_with("-----BEGIN CERTIFICATE-----"));
        let server = ca.issue_server(&["127.0.0.1"])?;
        assert!(server.cert_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(server.key_pem.contains("PRIVATE KEY"));
        assert!(!format!("{server:?}").contains("PRIVATE KEY"));
        Ok(())
    }
}
