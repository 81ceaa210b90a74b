//! In-process access to the gRPC service for tests (no handshake, no TLS).

use crate::proto::tfplugin6 as pb;
use crate::provider::Provider;
use crate::server::ProviderService;

/// Builds the tonic service for `provider`, for driving it over `tokio::io::duplex`.
pub fn service<P: Provider>(provider: P) -> impl Sized {
    pb::provider_server::ProviderServer::new(ProviderService::new(provider))
}
