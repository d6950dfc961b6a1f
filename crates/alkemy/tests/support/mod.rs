//! Helpers shared by the binary's end-to-end tests: running the binary cut
//! off from the machine's providers and folders, finding the external
//! validators (skipped with a reason, or failing under ALKEMY_TEST_STRICT=1)
//! and playing a video in headless Chromium.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The variables through which the binary finds providers, keys, prices,
/// its database and storage.
const MACHINE_VARS: [&str; 12] = [
    "FAL_KEY",
    "GEMINI_API_KEY",
    "OPENAI_API_KEY",
    "ALKEMY_FAL_URL",
    "ALKEMY_FAL_REST_URL",
    "ALKEMY_GEMINI_URL",
    "ALKEMY_OPENAI_URL",
    "ALKEMY_PROVIDERS_CONFIG",
    "ALKEMY_MASTER_KEY",
    "ALKEMY_PRICES",
    "ALKEMY_DATABASE_URL",
    "ALKEMY_STORAGE_URL",
];

/// The `alkemy` binary with none of the machine's providers, keys or
/// settings: its configuration (and key vault) and data folders are under
/// `home`, so what it does depends on the test alone.
pub fn alkemy_in(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_alkemy"));
    for var in MACHINE_VARS {
        cmd.env_remove(var);
    }
    cmd.env("ALKEMY_CONFIG_DIR", home.join("config"))
        .env("ALKEMY_DATA_DIR", home.join("data"));
    cmd
}

/// The project `alkemy submit` printed on stdout, once it succeeded.
pub fn submitted_project(out: &std::process::Output) -> alkemy_core::ProjectId {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

/// [`alkemy_in`] a home that holds nothing: the binary is offline.
pub fn alkemy_offline() -> Command {
    alkemy_in(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("alkemy-offline-home"))
}

fn strict() -> bool {
    std::env::var("ALKEMY_TEST_STRICT").is_ok_and(|v| v == "1")
}

/// An external tool from its environment variable or usual path.
pub fn tool(var: &str, fallback: &str) -> Option<PathBuf> {
    let path = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(fallback));
    if path.exists() {
        return Some(path);
    }
    assert!(
        !strict(),
        "{var}: {} is missing and ALKEMY_TEST_STRICT=1",
        path.display()
    );
    eprintln!("skipping: {} not found (set {var})", path.display());
    None
}

/// The JSON a command printed, asserting that it succeeded (its stderr
/// is the failure message).
pub fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// ffprobe.
pub fn ffprobe() -> Option<PathBuf> {
    tool("ALKEMY_TEST_FFPROBE", "/usr/bin/ffprobe")
}

/// What ffprobe reports of a video (streams with decoded frame counts, and
/// the container), asserting that it read the file without a complaint.
pub fn probe(ffprobe: &Path, video: &Path) -> serde_json::Value {
    let out = Command::new(ffprobe)
        .args([
            "-v",
            "error",
            "-count_frames",
            "-show_streams",
            "-show_format",
            "-of",
            "json",
        ])
        .arg(video)
        .output()
        .unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "ffprobe {}: {}",
        video.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Chromium.
pub fn chromium() -> Option<PathBuf> {
    tool("ALKEMY_TEST_CHROMIUM", "/usr/bin/chromium")
}

/// A Python with OpenTimelineIO and its adapters.
pub fn python() -> Option<PathBuf> {
    let python = tool("ALKEMY_TEST_PYTHON", "python3")?;
    let ok = Command::new(&python)
        .args(["-c", "import opentimelineio"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(python);
    }
    assert!(
        !strict(),
        "{} cannot import opentimelineio",
        python.display()
    );
    eprintln!("skipping: opentimelineio is not installed");
    None
}

const PAGE: &str = r#"<!doctype html><html><body>
<video id="v" src="/video.mp4" muted playsinline></video>
<script>
const v = document.getElementById('v');
const report = (s) => fetch('/report?' + encodeURIComponent(s));
v.addEventListener('loadedmetadata', () => {
  v.playbackRate = 16;
  v.play().catch((e) => report('ERROR play: ' + e));
});
v.addEventListener('ended', () => report('ENDED ' + v.currentTime));
v.addEventListener('error', () => report('ERROR media error ' + (v.error && v.error.code)));
</script></body></html>"#;

/// Plays `video` in headless Chromium at 16× speed, served over loopback;
/// returns the time at which the `ended` event fired.
pub fn play_in_chromium(chromium: &Path, video: &Path) -> Result<f64, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let bytes = std::fs::read(video).map_err(|e| e.to_string())?;
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let tx = tx.clone();
            let bytes = bytes.clone();
            std::thread::spawn(move || serve(stream, &bytes, &tx));
        }
    });
    let profile = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--autoplay-policy=no-user-gesture-required",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("http://127.0.0.1:{port}/page.html"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = loop {
        match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(msg) if msg.starts_with("ENDED ") => {
                break msg[6..].trim().parse::<f64>().map_err(|e| e.to_string());
            }
            Ok(msg) if msg.starts_with("ERROR") => break Err(msg),
            Ok(_) => continue,
            Err(_) => break Err("no `ended` event within 90 s".to_owned()),
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn serve(mut stream: TcpStream, video: &[u8], tx: &mpsc::Sender<String>) {
    let Ok(clone) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(clone);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    // Skip the headers.
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) if line == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let (status, kind, body): (&str, &str, &[u8]) = if path == "/page.html" {
        ("200 OK", "text/html", PAGE.as_bytes())
    } else if path == "/video.mp4" {
        ("200 OK", "video/mp4", video)
    } else if let Some(query) = path.strip_prefix("/report?") {
        let _ = tx.send(percent_decode(query));
        ("204 No Content", "text/plain", b"")
    } else {
        ("404 Not Found", "text/plain", b"")
    };
    let header = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(header.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
    let mut sink = [0u8; 1];
    let _ = stream.read(&mut sink);
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
