//! What every client shares: the HTTP client, the result downloader, the
//! price table and the polling policies.

use std::sync::Arc;
use std::time::Duration;

use crate::backoff::PollPolicy;
use crate::config::Endpoints;
use crate::download::{Downloader, UrlPolicy};
use crate::prices::PriceTable;

/// Timeouts and polling for the clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// One HTTP request (a text generation can take a minute).
    pub request: Duration,
    /// Polling of image jobs.
    pub image: PollPolicy,
    /// Polling of video jobs.
    pub video: PollPolicy,
    /// Polling of training jobs.
    pub training: PollPolicy,
    /// One download.
    pub download: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            request: Duration::from_secs(180),
            image: PollPolicy::for_timeout(Duration::from_secs(5 * 60)),
            video: PollPolicy::for_timeout(Duration::from_secs(20 * 60)),
            training: PollPolicy::for_timeout(Duration::from_secs(60 * 60)),
            download: Duration::from_secs(300),
        }
    }
}

/// Largest result accepted from a download (a long 1080p clip fits).
const MAX_DOWNLOAD: usize = 512 << 20;

/// Shared state of the clients.
#[derive(Debug, Clone)]
pub struct ClientContext {
    pub(crate) http: reqwest::Client,
    pub(crate) downloader: Downloader,
    pub(crate) prices: Arc<PriceTable>,
    pub(crate) timeouts: Timeouts,
}

impl ClientContext {
    /// A context for these endpoints: result downloads trust the hosts of
    /// endpoints overridden to loopback addresses, and nothing else private.
    pub fn new(endpoints: &Endpoints, prices: Arc<PriceTable>, timeouts: Timeouts) -> Self {
        let mut policy = UrlPolicy::strict();
        for base in endpoints.all() {
            policy.trust_loopback_base(base);
        }
        Self {
            http: crate::http::api_client(timeouts.request),
            downloader: Downloader::new(policy, timeouts.download, MAX_DOWNLOAD),
            prices,
            timeouts,
        }
    }

    /// The price table.
    pub fn prices(&self) -> &PriceTable {
        &self.prices
    }
}
