//! A small HTTP server on 127.0.0.1 for network tests: each path answers with a scripted list
//! of responses (the last one repeats). It serves only fixtures the tests give it and stops when
//! dropped.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub delay: Duration,
    /// Send a Content-Length header (off: the body ends when the connection closes).
    pub length_header: bool,
    pub retry_after: Option<u64>,
    /// Send the body one byte at a time with this pause between bytes (a slow-drip server).
    pub drip: Option<Duration>,
    /// A `Location` header (for redirects).
    pub location: Option<String>,
}

impl Reply {
    pub fn html(body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status: 200,
            content_type: "text/html; charset=utf-8",
            body: body.into(),
            delay: Duration::ZERO,
            length_header: true,
            retry_after: None,
            drip: None,
            location: None,
        }
    }
    pub fn redirect(to: &str) -> Reply {
        Reply {
            location: Some(to.to_string()),
            ..Reply::status(302)
        }
    }
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            ..Reply::html(format!("status {status}"))
        }
    }
}

pub struct Server {
    pub port: u16,
    stop: Arc<AtomicBool>,
    pub hits: Arc<Mutex<HashMap<String, usize>>>,
}

impl Server {
    pub fn start(routes: Vec<(&str, Vec<Reply>)>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let routes: Arc<HashMap<String, Vec<Reply>>> = Arc::new(
            routes
                .into_iter()
                .map(|(p, r)| (p.to_string(), r))
                .collect(),
        );
        let (s, h) = (stop.clone(), hits.clone());
        thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = conn else { continue };
                let (routes, hits) = (routes.clone(), h.clone());
                thread::spawn(move || serve(stream, &routes, &hits));
            }
        });
        Server { port, stop, hits }
    }

    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}/html/", self.port)
    }

    pub fn hits(&self, path: &str) -> usize {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

fn serve(
    mut stream: TcpStream,
    routes: &HashMap<String, Vec<Reply>>,
    hits: &Mutex<HashMap<String, usize>>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 65536 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let n = {
        let mut h = hits.lock().unwrap();
        let e = h.entry(path.clone()).or_insert(0);
        *e += 1;
        *e
    };
    let reply = match routes.get(&path) {
        Some(list) => list[(n - 1).min(list.len() - 1)].clone(),
        None => Reply::status(404),
    };
    thread::sleep(reply.delay);
    let mut out = format!(
        "HTTP/1.1 {} X\r\nContent-Type: {}\r\nConnection: close\r\n",
        reply.status, reply.content_type
    );
    if reply.length_header {
        out.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
    }
    if let Some(s) = reply.retry_after {
        out.push_str(&format!("Retry-After: {s}\r\n"));
    }
    if let Some(l) = &reply.location {
        out.push_str(&format!("Location: {l}\r\n"));
    }
    out.push_str("\r\n");
    let _ = stream.write_all(out.as_bytes());
    match reply.drip {
        // Bounded: at most the body's bytes, and it stops at the first failed write.
        Some(pause) => {
            for b in &reply.body {
                if stream
                    .write_all(&[*b])
                    .and_then(|_| stream.flush())
                    .is_err()
                {
                    break;
                }
                thread::sleep(pause);
            }
        }
        None => {
            let _ = stream.write_all(&reply.body);
        }
    }
    let _ = stream.flush();
}
