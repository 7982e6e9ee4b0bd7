//! What the load driver and the benchmarks share.

/// A client builder whose client can be built: reqwest's TLS comes without a crypto provider (the
/// workspace picks ring), and building a client with none installed panics.
pub fn http_client_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}
