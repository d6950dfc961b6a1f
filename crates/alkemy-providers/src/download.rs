//! Fetching results from URLs a provider hands back, safely.
//!
//! A result URL comes from a remote answer, so it is untrusted: it is fetched
//! over HTTPS only, never from a loopback, private, link-local or otherwise
//! non-public address (checked on the literal host *and* on every address a
//! name resolves to, so DNS cannot smuggle one in), redirects are followed by
//! hand so each hop is checked again, and a key is attached only while the
//! URL stays on the provider's own origin. The one exception is a base URL
//! the user overrode to a loopback address (a proxy or a test server): that
//! host is trusted, over plain HTTP too. `data:` URIs are decoded in place.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use alkemy_core::{ProviderError, ProviderErrorKind};
use base64::Engine as _;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{CONTENT_TYPE, HeaderName, LOCATION};
use reqwest::{StatusCode, Url};

use crate::http::{error_from_response, transport_error};

/// Which result URLs may be fetched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UrlPolicy {
    /// Loopback hosts the user configured as a base URL.
    trusted: Vec<String>,
}

impl UrlPolicy {
    /// HTTPS to public addresses only.
    pub fn strict() -> Self {
        Self::default()
    }

    /// Also trusts `base`'s host when it is a loopback address (`127.0.0.1`,
    /// `::1`, `localhost`); any other base changes nothing.
    pub fn trust_loopback_base(&mut self, base: &Url) {
        if let Some(host) = base.host_str() {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if is_loopback_host(host) && !self.trusted.iter().any(|h| h == host) {
                self.trusted.push(host.to_owned());
            }
        }
    }

    fn is_trusted(&self, host: &str) -> bool {
        self.trusted.iter().any(|h| h == host)
    }

    /// Whether `url` may be fetched, or why not.
    pub fn check(&self, url: &Url) -> Result<(), String> {
        let host = url
            .host_str()
            .map(|h| h.trim_start_matches('[').trim_end_matches(']'))
            .ok_or_else(|| "result URL has no host".to_owned())?;
        let trusted = self.is_trusted(host);
        match url.scheme() {
            "https" => {}
            "http" if trusted => {}
            other => return Err(format!("result URL scheme {other:?} refused: HTTPS only")),
        }
        if trusted {
            return Ok(());
        }
        if let Ok(ip) = host.parse::<IpAddr>()
            && !is_public(ip)
        {
            return Err(format!("result URL points at non-public address {ip}"));
        }
        if host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost") {
            return Err("result URL points at localhost".to_owned());
        }
        Ok(())
    }
}

fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether an address is on the public internet (not loopback, private,
/// link-local, shared, documentation, multicast or unspecified).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
                || (a == 192 && b == 0) // IETF protocol assignments
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240) // reserved
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || first == 0x2001 && v6.segments()[1] == 0x0db8) // documentation
        }
    }
}

/// A resolver that drops non-public addresses unless the host is trusted.
#[derive(Debug, Clone)]
struct PublicResolver {
    trusted: Arc<Vec<String>>,
}

impl Resolve for PublicResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        let trusted = self.trusted.iter().any(|h| h == &host);
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found
                .filter(|addr| trusted || is_public(addr.ip()))
                .collect();
            if allowed.is_empty() {
                let err =
                    io::Error::other(format!("{host} resolves to no public address; refused"));
                return Err(Box::new(err) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// An authentication header to send while the URL stays on `origin`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OriginAuth<'a> {
    /// The origin (scheme, host, port) the key belongs to.
    pub origin: &'a Url,
    /// Header name.
    pub name: &'a HeaderName,
    /// Header value (the key, possibly with a scheme prefix).
    pub value: &'a str,
}

/// A downloaded body.
#[derive(Debug)]
pub(crate) struct Downloaded {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The `Content-Type` (or the `data:` URI's type), if given.
    pub mime: Option<String>,
}

/// Fetches result URLs under a [`UrlPolicy`].
#[derive(Debug, Clone)]
pub(crate) struct Downloader {
    client: reqwest::Client,
    policy: UrlPolicy,
    max_bytes: usize,
}

/// Redirect hops followed at most.
const MAX_REDIRECTS: usize = 5;
/// Transient failures retried for one download (the generation is already
/// paid for, so a download hiccup must not send the request again).
const DOWNLOAD_ATTEMPTS: u32 = 3;

impl Downloader {
    /// A downloader with a body-size cap.
    pub(crate) fn new(policy: UrlPolicy, timeout: Duration, max_bytes: usize) -> Self {
        let resolver = PublicResolver {
            trusted: Arc::new(policy.trusted.clone()),
        };
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(15))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .dns_resolver(Arc::new(resolver))
            .user_agent(concat!("alkemy/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            client,
            policy,
            max_bytes,
        }
    }

    /// The policy in force.
    pub(crate) fn policy(&self) -> &UrlPolicy {
        &self.policy
    }

    /// Fetches `url` (or decodes a `data:` URI), retrying transient failures.
    pub(crate) async fn fetch(
        &self,
        model: &str,
        url: &str,
        auth: Option<OriginAuth<'_>>,
    ) -> Result<Downloaded, ProviderError> {
        if let Some(rest) = url.strip_prefix("data:") {
            return decode_data_uri(model, rest);
        }
        let mut last = None;
        for attempt in 0..DOWNLOAD_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
            }
            match self.fetch_once(model, url, auth).await {
                Ok(d) => return Ok(d),
                Err(e) if is_transient(&e.kind) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            ProviderError::new(model, ProviderErrorKind::Connection, "download failed")
        }))
    }

    async fn fetch_once(
        &self,
        model: &str,
        url: &str,
        auth: Option<OriginAuth<'_>>,
    ) -> Result<Downloaded, ProviderError> {
        let refused = |why: String| {
            ProviderError::new(
                model,
                ProviderErrorKind::ModelUnavailable,
                format!("result download refused: {why}"),
            )
        };
        let mut current = Url::parse(url).map_err(|e| refused(format!("bad URL: {e}")))?;
        for _ in 0..=MAX_REDIRECTS {
            self.policy.check(&current).map_err(refused)?;
            let mut request = self.client.get(current.clone());
            if let Some(a) = auth
                && same_origin(a.origin, &current)
            {
                request = request.header(a.name, a.value);
            }
            let mut response = request
                .send()
                .await
                .map_err(|e| transport_error(model, &e))?;
            let status = response.status();
            if status.is_redirection() && status != StatusCode::NOT_MODIFIED {
                let location = response
                    .headers()
                    .get(LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| refused("redirect without Location".to_owned()))?;
                current = current
                    .join(location)
                    .map_err(|e| refused(format!("bad redirect: {e}")))?;
                continue;
            }
            if !status.is_success() {
                return Err(error_from_response(model, response).await);
            }
            let mime = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.split(';').next().unwrap_or(s).trim().to_owned());
            let mut bytes = Vec::new();
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| transport_error(model, &e))?
            {
                if bytes.len() + chunk.len() > self.max_bytes {
                    return Err(refused(format!(
                        "result larger than {} MiB",
                        self.max_bytes >> 20
                    )));
                }
                bytes.extend_from_slice(&chunk);
            }
            return Ok(Downloaded { bytes, mime });
        }
        Err(refused(format!("more than {MAX_REDIRECTS} redirects")))
    }
}

fn is_transient(kind: &ProviderErrorKind) -> bool {
    matches!(
        kind,
        ProviderErrorKind::Connection
            | ProviderErrorKind::Timeout
            | ProviderErrorKind::Server { .. }
            | ProviderErrorKind::RateLimited { .. }
    )
}

/// Whether two URLs share scheme, host and port.
pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

fn decode_data_uri(model: &str, rest: &str) -> Result<Downloaded, ProviderError> {
    let (meta, data) = rest
        .split_once(',')
        .ok_or_else(|| crate::http::malformed(model, "data URI without a comma"))?;
    let is_base64 = meta.ends_with(";base64");
    let mime = meta.trim_end_matches(";base64");
    let bytes = if is_base64 {
        base64::engine::general_purpose::STANDARD
            .decode(data.trim())
            .map_err(|e| crate::http::malformed(model, format!("bad base64 in data URI: {e}")))?
    } else {
        data.as_bytes().to_vec()
    };
    Ok(Downloaded {
        bytes,
        mime: (!mime.is_empty()).then(|| mime.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn strict_policy_wants_public_https() {
        let p = UrlPolicy::strict();
        assert!(p.check(&url("https://v3.fal.media/files/a.png")).is_ok());
        assert!(p.check(&url("https://93.184.216.34/a.png")).is_ok());
        for bad in [
            "http://v3.fal.media/a.png",
            "ftp://v3.fal.media/a.png",
            "file:///etc/passwd",
            "https://127.0.0.1/a.png",
            "https://10.1.2.3/a.png",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/a.png",
            "https://[fd00::1]/a.png",
            "https://[::ffff:192.168.0.1]/a.png",
            "https://100.64.0.1/a.png",
            "https://localhost/a.png",
            "https://0.0.0.0/a.png",
        ] {
            assert!(p.check(&url(bad)).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn loopback_base_is_trusted_but_nothing_else() {
        let mut p = UrlPolicy::strict();
        p.trust_loopback_base(&url("http://127.0.0.1:4010"));
        p.trust_loopback_base(&url("https://example.com"));
        assert!(p.check(&url("http://127.0.0.1:9999/out.mp4")).is_ok());
        assert!(p.check(&url("http://127.0.0.2/out.mp4")).is_err());
        assert!(p.check(&url("http://example.com/out.mp4")).is_err());
        assert!(p.check(&url("https://192.168.1.1/out.mp4")).is_err());
    }

    #[test]
    fn public_addresses() {
        for ip in ["8.8.8.8", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "192.168.1.1",
            "172.16.0.1",
            "fe80::1",
            "2001:db8::1",
            "240.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn resolver_drops_private_answers() {
        let strict = PublicResolver {
            trusted: Arc::new(vec![]),
        };
        let err = strict
            .resolve("localhost".parse::<Name>().unwrap())
            .await
            .err()
            .unwrap();
        assert!(err.to_string().contains("no public address"), "{err}");
    }

    #[tokio::test]
    async fn data_uris_decode() {
        let d = Downloader::new(UrlPolicy::strict(), Duration::from_secs(1), 1 << 20);
        let got = d
            .fetch("t:m", "data:image/png;base64,aGVsbG8=", None)
            .await
            .unwrap();
        assert_eq!(got.bytes, b"hello");
        assert_eq!(got.mime.as_deref(), Some("image/png"));
    }
}
