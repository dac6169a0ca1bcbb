//! Fetching papers' HTML renderings and extracting their tables (issue: audits cite the paper's
//! own tables). The network sits behind the [`Fetcher`] trait; audits read only the cache.

pub mod cache;
pub mod cell;
pub mod extract;
pub mod resolve;

use std::io::Read;
use std::time::Duration;

use thiserror::Error;

/// The public arXiv HTML endpoint; a paper is `<base><id>`.
pub const DEFAULT_BASE_URL: &str = "https://arxiv.org/html/";
/// Environment variable that overrides the base URL.
pub const BASE_URL_ENV: &str = "RLVR_AUDIT_ARXIV_BASE";

/// A parsed arXiv identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaperId {
    /// `2506.10947` or `hep-th/9901001`.
    pub number: String,
    pub version: Option<u32>,
}

impl PaperId {
    /// Accepts `2506.10947`, `2506.10947v2`, and arxiv.org `/abs/`, `/html/` or `/pdf/` URLs.
    pub fn parse(s: &str) -> Result<PaperId, FetchError> {
        let bad = || FetchError::BadId(s.to_string());
        let mut t = s.trim();
        for marker in ["/abs/", "/html/", "/pdf/"] {
            if let Some(i) = t.find(marker) {
                t = &t[i + marker.len()..];
            }
        }
        let t = t.trim_end_matches('/').trim_end_matches(".pdf");
        let (number, version) = match t.rfind('v') {
            Some(i)
                if i > 0 && t[i + 1..].chars().all(|c| c.is_ascii_digit()) && i + 1 < t.len() =>
            {
                (&t[..i], Some(t[i + 1..].parse::<u32>().map_err(|_| bad())?))
            }
            _ => (t, None),
        };
        let new_style = number.split_once('.').is_some_and(|(a, b)| {
            a.len() == 4
                && a.chars().all(|c| c.is_ascii_digit())
                && (4..=5).contains(&b.len())
                && b.chars().all(|c| c.is_ascii_digit())
        });
        // Old style: an archive (`hep-th`, `math`, optionally a subject class `math.AG`), a slash,
        // seven digits. Nothing else reaches a URL or a path.
        let old_style = number.split_once('/').is_some_and(|(a, b)| {
            let (archive, class) = a.split_once('.').unwrap_or((a, ""));
            archive.starts_with(|c: char| c.is_ascii_lowercase())
                && archive
                    .split('-')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
                && (class.is_empty()
                    || (class.len() == 2 && class.chars().all(|c| c.is_ascii_uppercase())))
                && b.len() == 7
                && b.chars().all(|c| c.is_ascii_digit())
        });
        if !(new_style || old_style) {
            return Err(bad());
        }
        Ok(PaperId {
            number: number.to_string(),
            version,
        })
    }

    /// `2506.10947v2`, or without the version when none was given.
    pub fn key(&self) -> String {
        match self.version {
            Some(v) => format!("{}v{v}", self.number),
            None => self.number.clone(),
        }
    }
}

#[derive(Debug, Error)]
pub enum FetchError {
    #[error(
        "`{0}` is not an arXiv id or URL (expected e.g. 2506.10947, 2506.10947v2 or https://arxiv.org/abs/2506.10947)"
    )]
    BadId(String),
    #[error("{url}: no HTML rendering for this id (HTTP 404) — some papers are PDF-only")]
    NotFound { url: String },
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: gave up after {attempts} attempts; last answer: {last}")]
    GaveUp {
        url: String,
        attempts: u32,
        last: String,
    },
    #[error("{url}: expected an HTML page, got content-type `{content_type}`")]
    ContentType { url: String, content_type: String },
    #[error("{url}: the body exceeds the {max} byte limit")]
    TooLarge { url: String, max: u64 },
    #[error("{url}: {message}")]
    Transport {
        url: String,
        message: String,
        retryable: bool,
    },
    /// The HTTP client could not be built (its TLS set-up failed).
    #[error(transparent)]
    Client(reqwest::Error),
}

/// One HTTP answer.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    /// The URL that answered (after same-host redirects).
    pub url: String,
    pub status: u16,
    pub content_type: Option<String>,
    /// Seconds, from a Retry-After header.
    pub retry_after: Option<u64>,
    pub body: Vec<u8>,
}

/// Something that can GET a URL. Tests serve fixtures from a local server through the real
/// [`HttpFetcher`]; other implementations can serve files.
pub trait Fetcher {
    fn get(&self, url: &str, max_bytes: u64) -> Result<HttpResponse, FetchError>;
}

/// How hard to try.
#[derive(Clone, Debug)]
pub struct FetchOptions {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Retries after the first attempt (429, 5xx, time-outs, dropped connections).
    pub retries: u32,
    /// First back-off; doubles each retry; a Retry-After up to 60 s is honoured instead.
    pub backoff: Duration,
    pub max_bytes: u64,
}

impl Default for FetchOptions {
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            retries: 3,
            backoff: Duration::from_millis(1000),
            max_bytes: 20 * 1024 * 1024,
        }
    }
}

/// reqwest's blocking client with the tool's User-Agent and time-outs.
pub struct HttpFetcher {
    client: reqwest::blocking::Client,
    /// The whole request (connect, headers and body) must finish within this.
    deadline: Duration,
}

/// Redirects followed at most, and only within the host first asked.
pub const MAX_REDIRECTS: usize = 5;

impl HttpFetcher {
    pub fn new(opts: &FetchOptions) -> Result<HttpFetcher, FetchError> {
        // One process-wide TLS provider (ring); a second install is a harmless no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::blocking::Client::builder()
            .user_agent(concat!(
                "rlvr-audit/",
                env!("CARGO_PKG_VERSION"),
                " (RLVR re-audit tool; table extraction)"
            ))
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.read_timeout)
            .redirect(reqwest::redirect::Policy::custom(|attempt| {
                let first = attempt
                    .previous()
                    .first()
                    .and_then(|u| u.host_str().map(str::to_string));
                if attempt.previous().len() > MAX_REDIRECTS {
                    attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
                } else if attempt.url().host_str().map(str::to_string) != first {
                    let to = attempt.url().to_string();
                    attempt.error(format!("redirect to another host refused ({to})"))
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(FetchError::Client)?;
        Ok(HttpFetcher {
            client,
            deadline: opts.read_timeout,
        })
    }
}

impl Fetcher for HttpFetcher {
    fn get(&self, url: &str, max_bytes: u64) -> Result<HttpResponse, FetchError> {
        let started = std::time::Instant::now();
        let transport = |e: reqwest::Error| FetchError::Transport {
            url: url.to_string(),
            retryable: !e.is_redirect()
                && (e.is_timeout() || e.is_connect() || e.is_request() || e.is_body()),
            message: if e.is_timeout() {
                "timed out".to_string()
            } else {
                let mut m = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(s) = src {
                    m = format!("{m}: {s}");
                    src = s.source();
                }
                m
            },
        };
        let resp = self.client.get(url).send().map_err(transport)?;
        let final_url = resp.url().to_string();
        let status = resp.status().as_u16();
        let header = |h: &str| {
            resp.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header("content-type");
        let retry_after = header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
        if resp.content_length().is_some_and(|n| n > max_bytes) {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                max: max_bytes,
            });
        }
        // Read in chunks against the whole-request deadline: a server that drips one byte at a
        // time never trips a per-read time-out.
        let mut body = Vec::new();
        let mut reader = resp.take(max_bytes + 1);
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            if started.elapsed() > self.deadline {
                return Err(FetchError::Transport {
                    url: url.to_string(),
                    retryable: true,
                    message: format!(
                        "timed out (the whole request took more than {} s)",
                        self.deadline.as_secs()
                    ),
                });
            }
            let n = reader.read(&mut chunk).map_err(|e| FetchError::Transport {
                url: url.to_string(),
                retryable: true,
                message: format!("reading the body failed: {e}"),
            })?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
        if body.len() as u64 > max_bytes {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                max: max_bytes,
            });
        }
        Ok(HttpResponse {
            url: final_url,
            status,
            content_type,
            retry_after,
            body,
        })
    }
}

/// The base URL: the flag, else the environment variable, else arXiv's.
pub fn base_url(flag: Option<&str>) -> String {
    let b = flag
        .map(str::to_string)
        .or_else(|| {
            std::env::var(BASE_URL_ENV)
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
    if b.ends_with('/') { b } else { format!("{b}/") }
}

/// Downloads a paper's HTML with bounded retries. Returns the page and the URL it came from.
pub fn fetch_html(
    f: &dyn Fetcher,
    base: &str,
    id: &PaperId,
    opts: &FetchOptions,
) -> Result<(String, String), FetchError> {
    let url = format!("{base}{}", id.key());
    let mut last = String::new();
    for attempt in 0..=opts.retries {
        if attempt > 0 {
            std::thread::sleep(opts.backoff * 2u32.saturating_pow(attempt - 1));
        }
        match f.get(&url, opts.max_bytes) {
            Ok(r) if r.status == 200 => {
                let ct = r.content_type.clone().unwrap_or_default();
                let ct_main = ct
                    .split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase();
                if ct_main != "text/html" && ct_main != "application/xhtml+xml" {
                    return Err(FetchError::ContentType {
                        url,
                        content_type: ct,
                    });
                }
                return Ok((String::from_utf8_lossy(&r.body).into_owned(), r.url));
            }
            Ok(r) if r.status == 404 => return Err(FetchError::NotFound { url }),
            Ok(r) if r.status == 429 || r.status >= 500 => {
                last = format!("HTTP {}", r.status);
                if let Some(s) = r.retry_after.filter(|s| *s <= 60 && attempt < opts.retries) {
                    std::thread::sleep(Duration::from_secs(s));
                }
            }
            Ok(r) => {
                return Err(FetchError::Status {
                    url,
                    status: r.status,
                });
            }
            Err(FetchError::Transport {
                message,
                retryable: true,
                ..
            }) => last = message,
            Err(e) => return Err(e),
        }
    }
    Err(FetchError::GaveUp {
        url,
        attempts: opts.retries + 1,
        last,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_urls_parse() {
        let p = PaperId::parse("2506.10947").unwrap();
        assert_eq!((p.number.as_str(), p.version), ("2506.10947", None));
        assert_eq!(
            PaperId::parse("2506.10947v2").unwrap().key(),
            "2506.10947v2"
        );
        assert_eq!(
            PaperId::parse("https://arxiv.org/abs/2506.10947v1")
                .unwrap()
                .key(),
            "2506.10947v1"
        );
        assert_eq!(
            PaperId::parse("https://arxiv.org/html/2504.16084v3/")
                .unwrap()
                .key(),
            "2504.16084v3"
        );
        assert_eq!(
            PaperId::parse("hep-th/9901001v2").unwrap().key(),
            "hep-th/9901001v2"
        );
        assert_eq!(
            PaperId::parse("math.AG/0601001").unwrap().key(),
            "math.AG/0601001"
        );
        for bad in [
            "",
            "hello",
            "2506.109",
            "2506.10947vx",
            "../../etc/passwd",
            "../1234567",
            "./1234567",
            "-x/1234567",
            "hep--th/1234567",
        ] {
            assert!(PaperId::parse(bad).is_err(), "{bad}");
        }
    }
}
