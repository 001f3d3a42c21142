//! The rustls client configuration: Mozilla's roots (webpki-roots, so the system does not
//! matter), or the certificates of `--cacert`, or no verification with `-k`.
//!
//! A certificate pinned with `--cacert` is accepted when it is byte for byte the one the node
//! presents, even when it is a CA certificate (what `openssl req -x509` makes), which WebPKI
//! rejects as an end-entity certificate. The pin relaxes that rule only: a pinned certificate
//! that has expired, is not valid yet, or does not name the host in the URL is refused like
//! any other, with the fix named (the same rule curl applies to --cacert). `-k` is the one,
//! explicit, way to accept such a certificate. The handshake signatures are always checked.

use std::path::{Path, PathBuf};
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

/// What `wss://` connections use: the rustls configuration, and the `--cacert` file it
/// trusts, for the advice when a certificate is refused.
#[derive(Debug, Clone)]
pub struct TlsSetup {
    pub config: Arc<ClientConfig>,
    pub cacert: Option<PathBuf>,
}

/// The client configuration for `wss://` nodes.
pub fn client_config(cacert: Option<&Path>, insecure: bool) -> Result<TlsSetup, Failure> {
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
    Ok(TlsSetup {
        config: Arc::new(config),
        cacert: cacert.filter(|_| !insecure).map(Path::to_path_buf),
    })
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
        rustls_pki_types::pem::Error::Io(e) => crate::exit::io_reason(&e),
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
            check_pinned(end_entity, server_name, now)?;
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

/// What a pin does not waive: the certificate's dates and the host name.
fn check_pinned(
    cert: &CertificateDer<'_>,
    server_name: &ServerName<'_>,
    now: UnixTime,
) -> Result<(), rustls::Error> {
    use rustls::CertificateError as C;
    let (not_before, not_after) = validity(cert.as_ref()).ok_or(C::BadEncoding)?;
    let now = now.as_secs();
    if now > not_after {
        return Err(C::Expired.into());
    }
    if now < not_before {
        return Err(C::NotValidYet.into());
    }
    let parsed = rustls::server::ParsedCertificate::try_from(cert)?;
    rustls::client::verify_server_name(&parsed, server_name)
}

/// notBefore and notAfter of a DER certificate, in seconds since the epoch.
fn validity(der: &[u8]) -> Option<(u64, u64)> {
    let (cert, _) = der_item(der, 0x30)?;
    let (mut tbs, _) = der_item(cert, 0x30)?;
    if tbs.first() == Some(&0xa0) {
        tbs = der_skip(tbs)?; // [0] version
    }
    tbs = der_skip(tbs)?; // serialNumber
    tbs = der_skip(tbs)?; // signature
    tbs = der_skip(tbs)?; // issuer
    let (validity, _) = der_item(tbs, 0x30)?;
    let (before, rest) = der_time(validity)?;
    let (after, _) = der_time(rest)?;
    Some((before, after))
}

/// The contents of the DER item at the start of `b` with tag `tag`, and what follows it.
fn der_item(b: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = b.split_first()?;
    if tag != 0 && t != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let (digits, after) = rest.split_at(n);
        rest = after;
        digits
            .iter()
            .fold(0usize, |acc, &d| (acc << 8) | usize::from(d))
    };
    (rest.len() >= len).then(|| rest.split_at(len))
}

fn der_skip(b: &[u8]) -> Option<&[u8]> {
    der_item(b, 0).map(|(_, rest)| rest)
}

/// A UTCTime or GeneralizedTime (`...Z`), in seconds since the epoch.
fn der_time(b: &[u8]) -> Option<(u64, &[u8])> {
    let tag = *b.first()?;
    let (text, rest) = der_item(b, tag)?;
    let text = std::str::from_utf8(text).ok()?.strip_suffix('Z')?;
    let (year, rest_text) = match tag {
        0x17 => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    if rest_text.len() != 10 || !rest_text.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let field = |i: usize| rest_text[i..i + 2].parse::<u32>().ok();
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, field(0)?, field(2)?)?;
    let time = date.and_hms_opt(field(4)?, field(6)?, field(8)?)?;
    Some((u64::try_from(time.and_utc().timestamp()).unwrap_or(0), rest))
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

    #[test]
    fn certificate_dates_are_read() {
        use rcgen::{CertificateParams, KeyPair};
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(vec!["h".to_string()]).unwrap();
        params.not_before = rcgen::date_time_ymd(2001, 2, 3);
        params.not_after = rcgen::date_time_ymd(2061, 4, 5);
        let cert = params.self_signed(&key).unwrap();
        let (before, after) = validity(cert.der()).unwrap();
        assert_eq!(before, 981_158_400);
        assert_eq!(after, 2_879_884_800);
        assert_eq!(validity(&cert.der()[..40]), None);
        assert_eq!(validity(b""), None);
    }
}
