//! Throwaway servers for tests and benchmarks: a PostgreSQL cluster made
//! with `initdb`/`pg_ctl` in a temporary directory on a free loopback port,
//! and a `moto` S3 server. Nothing here depends on a server already running.
//!
//! When a tool is missing the helpers return `None` and print why, so the
//! test can skip — unless `ALKEMY_TEST_STRICT=1`, when they panic instead.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// True when a missing tool must fail the test rather than skip it.
pub fn strict() -> bool {
    std::env::var("ALKEMY_TEST_STRICT").is_ok_and(|v| v == "1")
}

/// Skips (returns `None`, printing the reason) or, in strict mode, panics.
fn missing<T>(reason: String) -> Option<T> {
    if strict() {
        panic!("{reason} (ALKEMY_TEST_STRICT=1)");
    }
    eprintln!("skipping: {reason}");
    None
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("running {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn pg_bin() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("ALKEMY_TEST_PG_BIN") {
        let dir = PathBuf::from(dir);
        if dir.join("initdb").is_file() {
            return Some(dir);
        }
    }
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, bin)| bin)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// A running throwaway PostgreSQL cluster. Stopped (and its directory
/// removed) on drop, and by a watchdog if the process dies without dropping
/// it, so a crashed or statically held cluster never outlives its tests.
#[derive(Debug)]
pub struct PgCluster {
    dir: tempfile::TempDir,
    bin: PathBuf,
    port: u16,
    run_as: Option<String>,
}

/// The URLs of one fresh, migrated database in a cluster.
#[derive(Debug, Clone)]
pub struct PgDatabase {
    /// As the superuser that owns the tables (migrations, setup).
    pub owner_url: String,
    /// As `alkemy_tester`, a login member of `alkemy_app` that owns nothing:
    /// what the application uses.
    pub app_url: String,
}

impl PgCluster {
    /// Starts a cluster, or `None` (skip) when the PostgreSQL server
    /// binaries are missing.
    pub fn start() -> Option<Self> {
        let Some(bin) = pg_bin() else {
            return missing(
                "PostgreSQL server binaries not found (ALKEMY_TEST_PG_BIN or /usr/lib/postgresql/*/bin)"
                    .into(),
            );
        };
        match Self::start_with(bin) {
            Ok(c) => Some(c),
            Err(e) => missing(format!("could not start PostgreSQL: {e}")),
        }
    }

    fn command(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        match &self.run_as {
            Some(user) => {
                let mut c = Command::new("runuser");
                c.arg("-u").arg(user).arg("--").arg(path);
                c
            }
            None => Command::new(path),
        }
    }

    fn start_with(bin: PathBuf) -> Result<Self, String> {
        let dir = tempfile::Builder::new()
            .prefix("alkemy-pg-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?;
        // initdb refuses to run as root: run the cluster as `postgres`.
        let run_as = if is_root() {
            run(Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path()))?;
            Some("postgres".to_owned())
        } else {
            None
        };
        let port = free_port().map_err(|e| format!("free port: {e}"))?;
        let mut cluster = Self {
            dir,
            bin,
            port,
            run_as,
        };
        let data = cluster.data_dir();
        run(cluster
            .command("initdb")
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ])
            .stdout(Stdio::null()))?;
        // The free port can be taken by another process before the server
        // binds it (tests start servers side by side): try a few ports,
        // and say what the server logged if none works.
        let log = cluster.dir.path().join("server.log");
        let mut attempt = 1;
        loop {
            let opts = format!(
                "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
                 -c full_page_writes=off -c max_connections=300 -c shared_buffers=64MB",
                cluster.port,
                cluster.dir.path().display()
            );
            let started = run(cluster
                .command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(opts)
                .arg("-l")
                .arg(&log)
                .args(["-w", "-t", "60", "start"])
                .stdout(Stdio::null()));
            match started {
                Ok(()) => break,
                Err(e) if attempt >= 3 => {
                    let logged = std::fs::read_to_string(&log).unwrap_or_default();
                    let tail: Vec<&str> = logged.lines().rev().take(10).collect();
                    let tail: Vec<&str> = tail.into_iter().rev().collect();
                    return Err(format!("{e}\nserver.log:\n{}", tail.join("\n")));
                }
                Err(_) => {
                    attempt += 1;
                    cluster.port = free_port().map_err(|e| format!("free port: {e}"))?;
                }
            }
        }
        cluster.spawn_watchdog()?;
        Ok(cluster)
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Stops the cluster when this process is gone, however it ended.
    fn spawn_watchdog(&self) -> Result<(), String> {
        let stop = format!(
            "{} {}/pg_ctl -D {} -m immediate stop >/dev/null 2>&1; rm -rf {}",
            match &self.run_as {
                Some(u) => format!("runuser -u {u} --"),
                None => String::new(),
            },
            self.bin.display(),
            self.data_dir().display(),
            self.dir.path().display()
        );
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop}",
            pid = std::process::id()
        );
        Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting the cluster watchdog: {e}"))?;
        Ok(())
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Its directory (data, socket, log).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// URL of a database as the superuser.
    pub fn superuser_url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Makes a fresh database, migrates it as the superuser, and makes sure
    /// the application login role exists.
    pub async fn database(&self) -> Result<PgDatabase, String> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "alkemy_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let setup = format!(
            "CREATE DATABASE {name}; \
             DO $$ BEGIN \
               BEGIN CREATE ROLE alkemy_app NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; \
               BEGIN CREATE ROLE alkemy_system NOLOGIN; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; \
               BEGIN CREATE ROLE alkemy_tester LOGIN IN ROLE alkemy_app; EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END; \
             END $$;"
        );
        // CREATE DATABASE cannot run inside the DO block's transaction: two calls.
        let (create, roles) = setup.split_once("; DO").unwrap_or((&setup, ""));
        run(self
            .command("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-d", "postgres", "-c"])
            .arg(create))?;
        run(self
            .command("psql")
            .args([
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
            ])
            .arg("-p")
            .arg(self.port.to_string())
            .args(["-d", "postgres", "-c"])
            .arg(format!("DO{roles}")))?;
        let db = PgDatabase {
            owner_url: self.superuser_url(&name),
            app_url: format!("postgres://alkemy_tester@127.0.0.1:{}/{name}", self.port),
        };
        crate::postgres::PgStore::migrate(&db.owner_url)
            .await
            .map_err(|e| format!("migrating {name}: {e}"))?;
        Ok(db)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// The cluster shared by every test of this process (started on first use),
/// or `None` when PostgreSQL is missing and the run is not strict.
pub fn shared_cluster() -> Option<&'static PgCluster> {
    static CLUSTER: OnceLock<Option<PgCluster>> = OnceLock::new();
    CLUSTER.get_or_init(PgCluster::start).as_ref()
}

/// A `moto` S3 server on a free loopback port, killed on drop.
#[derive(Debug)]
pub struct MotoServer {
    child: Child,
    port: u16,
}

impl MotoServer {
    /// Starts `moto_server` from the virtualenv of `ALKEMY_TEST_PYTHON`
    /// (or from `PATH`), or `None` (skip) when it is missing.
    pub fn start() -> Option<Self> {
        let exe = std::env::var("ALKEMY_TEST_PYTHON")
            .ok()
            .and_then(|py| Path::new(&py).parent().map(|d| d.join("moto_server")))
            .filter(|p| p.is_file())
            .unwrap_or_else(|| PathBuf::from("moto_server"));
        let port = match free_port() {
            Ok(p) => p,
            Err(e) => return missing(format!("no free port: {e}")),
        };
        let child = match Command::new(&exe)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        {
            Ok(c) => c,
            Err(e) => {
                return missing(format!(
                    "moto_server ({}) not available: {e}",
                    exe.display()
                ));
            }
        };
        let server = Self { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if Instant::now() > deadline {
                return missing("moto_server did not start within 30 s".into());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(server)
    }

    /// Its endpoint (`http://127.0.0.1:PORT`).
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub mod jobs;
