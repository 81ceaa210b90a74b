//! Process entry point for a plugin: the go-plugin handshake, AutoMTLS and the
//! gRPC server with the side services go-plugin expects.
//!
//! Handshake as Terraform (go-plugin) runs it:
//! 1. Terraform starts the binary with `TF_PLUGIN_MAGIC_COOKIE`, `PLUGIN_PROTOCOL_VERSIONS`,
//!    `PLUGIN_MIN_PORT`/`PLUGIN_MAX_PORT` and `PLUGIN_CLIENT_CERT` (its PEM client certificate).
//! 2. The plugin listens on 127.0.0.1, makes a self-signed server certificate and prints
//!    one line on stdout: `1|6|tcp|127.0.0.1:PORT|grpc|<server cert DER, base64 std, no padding>`.
//! 3. Terraform connects with TLS, presenting its client certificate; we accept exactly
//!    that certificate and nothing else (the client certificate is REQUIRED).
//!
//! Nothing else is ever written to stdout; logs go to stderr (see [`crate::log`]).

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use base64::Engine as _;
use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::Connected;
use tonic::{Request, Response, Status};

use crate::error::ServeError;
use crate::proto::goplugin as gp;
use crate::proto::health as hp;
use crate::proto::tfplugin6 as pb;
use crate::provider::Provider;
use crate::server::ProviderService;

/// The magic cookie value Terraform sets for its plugins.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The cookie's expected value.
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/// Runs `provider` as a Terraform plugin until Terraform shuts it down.
/// `module` names the log source. Returns the process exit code.
pub fn serve<P: Provider>(module: &'static str, provider: P) -> std::process::ExitCode {
    if std::env::var(MAGIC_COOKIE_KEY).as_deref() != Ok(MAGIC_COOKIE_VALUE) {
        eprintln!("{}", ServeError::NotLaunchedByTerraform);
        return std::process::ExitCode::from(1);
    }
    crate::log::init(module);
    install_panic_hook();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    match rt.block_on(run(provider)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "plugin server failed");
            eprintln!("{e}");
            std::process::ExitCode::from(1)
        }
    }
}

/// Panics are logged as one error line, never with a backtrace (even with
/// RUST_BACKTRACE set); the handler turns them into diagnostics.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            (*s).to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        };
        let at = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(location = %at, "panic: {msg}");
    }));
}

fn port_range() -> (u16, u16) {
    let get = |k: &str, d: u16| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse::<u16>().ok())
            .unwrap_or(d)
    };
    let (min, max) = (
        get("PLUGIN_MIN_PORT", 10_000),
        get("PLUGIN_MAX_PORT", 25_000),
    );
    if min > max { (max, min) } else { (min, max) }
}

fn bind(min: u16, max: u16) -> Result<std::net::TcpListener, ServeError> {
    let span = u32::from(max - min) + 1;
    let start = std::process::id() % span;
    let mut last = std::io::Error::other("empty port range");
    for i in 0..span {
        let port = min + ((start + i) % span) as u16;
        match std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))) {
            Ok(l) => return Ok(l),
            Err(e) => last = e,
        }
    }
    Err(ServeError::NoPort {
        min,
        max,
        source: last,
    })
}

async fn run<P: Provider>(provider: P) -> Result<(), ServeError> {
    let versions = std::env::var("PLUGIN_PROTOCOL_VERSIONS").unwrap_or_else(|_| "6".into());
    if !versions.split(',').any(|v| v.trim() == "6") {
        return Err(ServeError::UnsupportedProtocol(versions));
    }
    let (min, max) = port_range();
    let std_listener = bind(min, max)?;
    std_listener.set_nonblocking(true)?;
    let addr = std_listener.local_addr()?;
    let listener = tokio::net::TcpListener::from_std(std_listener)?;

    let tls = match std::env::var("PLUGIN_CLIENT_CERT") {
        Ok(pem) if !pem.trim().is_empty() => Some(tls_config(&pem)?),
        _ => None,
    };

    let mut line = format!("1|6|tcp|{addr}|grpc");
    if let Some((_, cert)) = &tls {
        line.push('|');
        line.push_str(&base64::engine::general_purpose::STANDARD_NO_PAD.encode(cert));
    }
    line.push('\n');
    {
        let mut out = std::io::stdout().lock();
        out.write_all(line.as_bytes())?;
        out.flush()?;
    }
    tracing::debug!(address = %addr, tls = tls.is_some(), "plugin server listening");

    // Terraform forwards Ctrl-C to the whole process group; like go-plugin
    // servers we ignore it and wait for StopProvider / Shutdown instead.
    tokio::spawn(async {
        while tokio::signal::ctrl_c().await.is_ok() {
            tracing::debug!("interrupt received; waiting for Terraform to stop the provider");
        }
    });

    let (conn_tx, conn_rx) = mpsc::channel::<Result<Conn, std::io::Error>>(16);
    let acceptor = tls.map(|(cfg, _)| tokio_rustls::TlsAcceptor::from(Arc::new(cfg)));
    tokio::spawn(async move {
        loop {
            let (sock, peer) = match listener.accept().await {
                Ok(x) => x,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            };
            let _ = sock.set_nodelay(true);
            let tx = conn_tx.clone();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let conn = match acceptor {
                    Some(a) => match a.accept(sock).await {
                        Ok(s) => Conn::Tls(Box::new(s)),
                        Err(e) => {
                            tracing::warn!(peer = %peer, error = %e, "TLS handshake rejected");
                            return;
                        }
                    },
                    None => Conn::Plain(sock),
                };
                let _ = tx.send(Ok(conn)).await;
            });
        }
    });

    let (shutdown_tx, mut shutdown_rx) = watch::channel(false);
    let service = ProviderService::new(provider);
    tonic::transport::Server::builder()
        .add_service(pb::provider_server::ProviderServer::new(service))
        .add_service(gp::grpc_controller_server::GrpcControllerServer::new(
            Controller {
                shutdown: shutdown_tx,
            },
        ))
        .add_service(gp::grpc_stdio_server::GrpcStdioServer::new(Stdio))
        .add_service(gp::grpc_broker_server::GrpcBrokerServer::new(Broker))
        .add_service(hp::health_server::HealthServer::new(Health))
        .serve_with_incoming_shutdown(ReceiverStream::new(conn_rx), async move {
            while !*shutdown_rx.borrow() {
                if shutdown_rx.changed().await.is_err() {
                    break;
                }
            }
        })
        .await
        .map_err(|e| ServeError::Transport(e.to_string()))
}

/// Builds the server TLS config: a fresh self-signed certificate for `localhost`,
/// and a verifier that requires exactly Terraform's client certificate.
/// Returns the config and our certificate's DER bytes.
pub(crate) fn tls_config(client_pem: &str) -> Result<(rustls::ServerConfig, Vec<u8>), ServeError> {
    let tls = |e: &dyn std::fmt::Display| ServeError::Tls(e.to_string());
    let client = rustls_pemfile::certs(&mut client_pem.as_bytes())
        .next()
        .ok_or_else(|| ServeError::Tls("PLUGIN_CLIENT_CERT holds no certificate".into()))?
        .map_err(|e| tls(&e))?;
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(|e| tls(&e))?;
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_string()]).map_err(|e| tls(&e))?;
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::DigitalSignature,
        rcgen::KeyUsagePurpose::KeyEncipherment,
        rcgen::KeyUsagePurpose::KeyCertSign,
    ];
    params.extended_key_usages = vec![
        rcgen::ExtendedKeyUsagePurpose::ServerAuth,
        rcgen::ExtendedKeyUsagePurpose::ClientAuth,
    ];
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HashiCorp");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "localhost");
    let cert = params.self_signed(&key).map_err(|e| tls(&e))?;
    let cert_der = cert.der().to_vec();
    let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let verifier = Arc::new(ExactClientCert {
        expected: client.into_owned(),
        crypto: crypto.clone(),
    });
    let cfg = rustls::ServerConfig::builder_with_provider(crypto)
        .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
        .map_err(|e| tls(&e))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![CertificateDer::from(cert_der.clone())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .map_err(|e| tls(&e))?;
    let mut cfg = cfg;
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    Ok((cfg, cert_der))
}

/// Accepts only the one client certificate Terraform gave us, and checks the
/// handshake signature made with its key.
#[derive(Debug)]
struct ExactClientCert {
    expected: CertificateDer<'static>,
    crypto: Arc<CryptoProvider>,
}

impl ClientCertVerifier for ExactClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }
    fn client_auth_mandatory(&self) -> bool {
        true
    }
    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_ref() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            ))
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.crypto.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.crypto.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.crypto
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// An accepted connection, TLS or plain.
enum Conn {
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
    Plain(TcpStream),
}

impl Connected for Conn {
    type ConnectInfo = ();
    fn connect_info(&self) -> Self::ConnectInfo {}
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            Conn::Plain(s) => Pin::new(s).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            Conn::Plain(s) => Pin::new(s).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            Conn::Plain(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
            Conn::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
        }
    }
    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Tls(s) => s.is_write_vectored(),
            Conn::Plain(s) => s.is_write_vectored(),
        }
    }
}

struct Controller {
    shutdown: watch::Sender<bool>,
}

#[tonic::async_trait]
impl gp::grpc_controller_server::GrpcController for Controller {
    async fn shutdown(&self, _r: Request<gp::Empty>) -> Result<Response<gp::Empty>, Status> {
        tracing::debug!("shutdown requested by Terraform");
        let _ = self.shutdown.send(true);
        Ok(Response::new(gp::Empty {}))
    }
}

struct Stdio;

type Pending<T> = Pin<Box<dyn futures::Stream<Item = Result<T, Status>> + Send>>;

#[tonic::async_trait]
impl gp::grpc_stdio_server::GrpcStdio for Stdio {
    async fn stream_stdio(
        &self,
        _r: Request<gp::Empty>,
    ) -> Result<Response<Pending<gp::StdioData>>, Status> {
        // We never write to stdout/stderr outside logs, so there is nothing to relay:
        // keep the stream open until the connection closes.
        Ok(Response::new(Box::pin(futures::stream::pending())))
    }
}

struct Broker;

#[tonic::async_trait]
impl gp::grpc_broker_server::GrpcBroker for Broker {
    async fn start_stream(
        &self,
        _r: Request<tonic::Streaming<gp::ConnInfo>>,
    ) -> Result<Response<Pending<gp::ConnInfo>>, Status> {
        Ok(Response::new(Box::pin(futures::stream::pending())))
    }
}

struct Health;

#[tonic::async_trait]
impl hp::health_server::Health for Health {
    async fn check(
        &self,
        _r: Request<hp::HealthCheckRequest>,
    ) -> Result<Response<hp::HealthCheckResponse>, Status> {
        Ok(Response::new(hp::HealthCheckResponse {
            status: hp::health_check_response::ServingStatus::Serving as i32,
        }))
    }
    async fn watch(
        &self,
        _r: Request<hp::HealthCheckRequest>,
    ) -> Result<Response<Pending<hp::HealthCheckResponse>>, Status> {
        Ok(Response::new(Box::pin(futures::stream::once(async {
            Ok(hp::HealthCheckResponse {
                status: hp::health_check_response::ServingStatus::Serving as i32,
            })
        }))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::{ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::ServerName;

    /// A client certificate like go-plugin's (ECDSA P-521, self-signed).
    fn client_identity() -> (String, CertificateDer<'static>, PrivateKeyDer<'static>) {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("key");
        let params = rcgen::CertificateParams::new(vec!["localhost".into()]).expect("params");
        let cert = params.self_signed(&key).expect("cert");
        (
            cert.pem(),
            CertificateDer::from(cert.der().to_vec()),
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    /// Trusts exactly the server certificate from the handshake line, like go-plugin.
    #[derive(Debug)]
    struct PinnedServer(Vec<u8>, Arc<CryptoProvider>);
    impl ServerCertVerifier for PinnedServer {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _i: &[CertificateDer<'_>],
            _n: &ServerName<'_>,
            _o: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            if end_entity.as_ref() == self.0.as_slice() {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(rustls::Error::General("unexpected server cert".into()))
            }
        }
        fn verify_tls12_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                m,
                c,
                d,
                &self.1.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            m: &[u8],
            c: &CertificateDer<'_>,
            d: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                m,
                c,
                d,
                &self.1.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.1.signature_verification_algorithms.supported_schemes()
        }
    }

    async fn handshake(
        server: rustls::ServerConfig,
        server_cert: Vec<u8>,
        client_auth: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
    ) -> bool {
        let crypto = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(crypto.clone())
            .with_safe_default_protocol_versions()
            .expect("versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedServer(server_cert, crypto)));
        let client = match client_auth {
            Some((c, k)) => builder
                .with_client_auth_cert(vec![c], k)
                .expect("client auth"),
            None => builder.with_no_client_auth(),
        };
        let (a, b) = tokio::io::duplex(64 * 1024);
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let srv = tokio::spawn(async move {
            use tokio::io::AsyncReadExt;
            let mut s = match acceptor.accept(a).await {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("server accept: {e}");
                    return None;
                }
            };
            let mut buf = [0u8; 4];
            s.read_exact(&mut buf).await.ok()?;
            Some(buf)
        });
        let name = ServerName::try_from("localhost").expect("name");
        // Keep the client side open until the server has finished with it.
        let _client = match connector.connect(name, b).await {
            Ok(mut c) => {
                use tokio::io::AsyncWriteExt;
                let _ = c.write_all(b"ping").await;
                let _ = c.flush().await;
                Some(c)
            }
            Err(e) => {
                eprintln!("client connect: {e}");
                None
            }
        };
        matches!(srv.await, Ok(Some(buf)) if &buf == b"ping")
    }

    #[tokio::test]
    async fn mtls_requires_exactly_terraforms_client_certificate() {
        let (pem, cert, key) = client_identity();
        let (_, other_cert, other_key) = client_identity();

        let (cfg, server_cert) = tls_config(&pem).expect("tls config");
        assert!(
            handshake(cfg, server_cert, Some((cert, key))).await,
            "the right client cert is accepted"
        );

        let (cfg, server_cert) = tls_config(&pem).expect("tls config");
        assert!(
            !handshake(cfg, server_cert, None).await,
            "no client cert is refused"
        );

        let (cfg, server_cert) = tls_config(&pem).expect("tls config");
        assert!(
            !handshake(cfg, server_cert, Some((other_cert, other_key))).await,
            "another client cert is refused"
        );
    }

    #[test]
    fn bad_client_pem_is_a_clear_error() {
        let e = tls_config("not a pem")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("PLUGIN_CLIENT_CERT"), "{e}");
    }
}
