//! The rustls client configuration: Mozilla's roots (webpki-roots, so the system does not
//! matter), or the certificates of `--cacert`, or no verification with `-k`.
//!
//! A certificate pinned with `--cacert` is accepted byte for byte even when it is a CA
//! certificate (what `openssl req -x509` makes), which WebPKI rejects as an end-entity
//! certificate. The handshake signatures are always checked.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::exit::Failure;

/// ring, chosen explicitly: rustls has no default provider in this build.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client configuration for `wss://` nodes.
pub fn client_config(cacert: Option<&Path>, insecure: bool) -> Result<Arc<ClientConfig>, Failure> {
    let provider = provider();
    let trust = if insecure {
        Trust::Any
    } else {
        let (roots, pinned) = match cacert {
            Some(path) => pem_roots(path)?,
            None => (
                RootCertStore {
                    roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
                },
                Vec::new(),
            ),
        };
        // Without any anchor (only pins that are not CA-shaped) there is nothing to fall back on.
        let fallback = (!roots.is_empty())
            .then(|| {
                WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                    .build()
                    .map_err(|e| Failure::usage(format!("--cacert: {e}")))
            })
            .transpose()?;
        Trust::Pinned { pinned, fallback }
    };
    let verifier = Arc::new(Verifier {
        trust,
        provider: provider.clone(),
    });
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::runtime(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Every certificate of a PEM file, as trust anchors and as pins.
fn pem_roots(path: &Path) -> Result<(RootCertStore, Vec<CertificateDer<'static>>), Failure> {
    let bad = |why: String| Failure::usage(format!("--cacert {}: {why}", path.display()));
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| bad(pem_reason(e)))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(pem_reason(e)))?;
    if certs.is_empty() {
        return Err(bad("no PEM certificate in the file".into()));
    }
    let mut roots = RootCertStore::empty();
    // A pinned end-entity certificate may not parse as a trust anchor; the pin still works.
    roots.add_parsable_certificates(certs.iter().cloned());
    Ok((roots, certs))
}

fn pem_reason(e: rustls_pki_types::pem::Error) -> String {
    match e {
        rustls_pki_types::pem::Error::Io(e) => crate::source::replay::io_reason(&e),
        other => format!("not a PEM certificate file ({other:?})"),
    }
}

/// Which server certificates are trusted.
#[derive(Debug)]
enum Trust {
    /// `-k`: any certificate.
    Any,
    /// A certificate identical to one of `--cacert`, else what WebPKI accepts.
    Pinned {
        pinned: Vec<CertificateDer<'static>>,
        fallback: Option<Arc<WebPkiServerVerifier>>,
    },
}

/// Checks the certificate as `trust` says, and the handshake signatures always.
#[derive(Debug)]
struct Verifier {
    trust: Trust,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let (pinned, fallback) = match &self.trust {
            Trust::Any => return Ok(ServerCertVerified::assertion()),
            Trust::Pinned { pinned, fallback } => (pinned, fallback),
        };
        if pinned.iter().any(|c| c.as_ref() == end_entity.as_ref()) {
            return Ok(ServerCertVerified::assertion());
        }
        match fallback {
            Some(f) => f.verify_server_cert(end_entity, intermediates, server_name, ocsp, now),
            None => Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::UnknownIssuer,
            )),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_insecure_configs_build() {
        assert!(client_config(None, false).is_ok());
        assert!(client_config(None, true).is_ok());
    }

    #[test]
    fn cacert_problems_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.pem");
        let err = client_config(Some(&missing), false).unwrap_err();
        assert_eq!(err.code(), 2);
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "hello\n").unwrap();
        let err = client_config(Some(&empty), false).unwrap_err();
        assert!(err.to_string().contains("no PEM certificate"), "{err}");
    }
}
