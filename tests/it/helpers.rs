//! Shared test fixtures: temporary configs, databases on both backends, the binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use petition_watch::config::{self, LoadedConfig};
use petition_watch::store::{Store, StoreOptions};
use sqlx::Connection;

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fixed "today" for config loading.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 27).expect("valid date")
}

/// A fixed instant for writes.
pub fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 1, 0, 0).single().expect("valid instant")
}

/// A scratch directory with a config whose database is a fresh SQLite file inside it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// The shipped config, pointed at the shipped holidays and a database in the workspace.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let shipped = std::fs::read_to_string(repo().join("config/petition-watch.toml")).expect("shipped config");
        let holidays = repo().join("config/holidays");
        let text = shipped
            .replace("holidays = \"holidays\"", &format!("holidays = {:?}", holidays.display().to_string()))
            .replace("sqlite://var/petition-watch.db", &format!("sqlite://{}/pw.db", dir.path().display()));
        std::fs::write(dir.path().join("petition-watch.toml"), text).expect("write config");
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn config_path(&self) -> PathBuf {
        self.path("petition-watch.toml")
    }

    /// Loads the workspace config (no environment overrides).
    pub fn load(&self) -> LoadedConfig {
        config::load(&self.config_path(), &[], today()).unwrap_or_else(|e| panic!("config loads: {e}"))
    }

    /// Writes `contents` to a file in the workspace and returns its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, contents).expect("write file");
        path
    }

    /// Runs the binary with this workspace's config, in the workspace directory.
    pub fn run(&self, args: &[&str]) -> Output {
        run_binary(self.dir.path(), &self.config_path(), args, &[])
    }
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run_binary(cwd: &Path, config: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_petition-watch"));
    command.current_dir(cwd).arg("--config").arg(config).args(args).env_remove("DATABASE_URL").env("RUST_LOG", "warn");
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().expect("binary runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Imports the sample register (`config/examples/register.csv`) into `store`.
pub async fn import_sample(store: &Store, loaded: &LoadedConfig) -> petition_watch::import::FileReport {
    let options = petition_watch::import::ImportOptions::from_config(&loaded.config, false, false);
    petition_watch::import::import_file(
        &repo().join("config/examples/register.csv"),
        Some(store),
        &loaded.settings.rules.directory,
        options,
        Utc::now(),
    )
    .await
}

/// A free port on 127.0.0.1, as `127.0.0.1:PORT`.
pub fn free_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
    format!("127.0.0.1:{port}")
}

/// Starts the daemon (`run --listen ADDRESS`) on the workspace's config; its log (warnings
/// and errors) goes to `log`, or nowhere.
pub fn spawn_listening_daemon(ws: &Workspace, address: &str, log: Option<&Path>) -> std::process::Child {
    let stderr = match log {
        Some(path) => std::process::Stdio::from(std::fs::File::create(path).expect("log file")),
        None => std::process::Stdio::null(),
    };
    Command::new(env!("CARGO_BIN_EXE_petition-watch"))
        .current_dir(ws.dir.path())
        .arg("--config")
        .arg(ws.config_path())
        .args(["run", "--listen", address])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("daemon starts")
}

/// The server the PostgreSQL tests use (a database is created per test).
pub fn pg_admin_url() -> String {
    std::env::var("PETITION_WATCH_TEST_PG").unwrap_or_else(|_| "postgres://root@127.0.0.1:5432/test".into())
}

/// A fresh PostgreSQL database, dropped by [`PgDatabase::drop_db`].
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    /// Creates a database; `None` (with a loud message) when no server answers and CI is not set.
    /// Under `CI=true` a missing server fails the test.
    pub async fn create() -> Option<Self> {
        let admin = pg_admin_url();
        let mut conn = match sqlx::PgConnection::connect(&admin).await {
            Ok(conn) => conn,
            Err(e) => {
                if std::env::var("CI").is_ok_and(|v| v == "true") {
                    panic!("PostgreSQL is required under CI=true and {admin} does not answer: {e}");
                }
                eprintln!(
                    "SKIPPED: PostgreSQL at {admin} does not answer ({e}); set PETITION_WATCH_TEST_PG or run .ci/run"
                );
                return None;
            }
        };
        let name = format!("pw_test_{}_{}", std::process::id(), rand_suffix());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create database");
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
        Some(Self { url: format!("{base}/{name}"), name })
    }

    pub async fn drop_db(self) {
        if let Ok(mut conn) = sqlx::PgConnection::connect(&pg_admin_url()).await {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)))
                .execute(&mut conn)
                .await;
        }
    }
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    format!("{nanos}_{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// Opens a store at `url`.
pub async fn open(url: &str) -> Store {
    Store::open(url, &StoreOptions::default()).await.unwrap_or_else(|e| panic!("store opens at {url}: {e}"))
}

/// The daemon started in this process on a scratch workspace: its config, its SQLite database,
/// a [`ManualClock`](petition_watch::clock::ManualClock) the test moves (each move wakes the
/// scheduler at once, so no test waits out the scheduler's 30-second look), and optionally its
/// listener on a free loopback port. Stop it with [`TestApp::stop`].
///
/// tokio's paused time is not used: the daemon waits on real I/O (SQLite's worker thread,
/// PostgreSQL, SMTP and HTTP peers), which auto-advanced time would turn into timeouts, and
/// tokio-cron-scheduler needs a multi-threaded runtime, which pausing does not allow.
pub struct TestApp {
    /// The clock the daemon reads.
    pub clock: std::sync::Arc<petition_watch::clock::ManualClock>,
    /// `http://127.0.0.1:PORT` when it listens.
    pub address: Option<String>,
    /// The database URL.
    pub url: String,
    control: tokio::sync::mpsc::Sender<petition_watch::app::Control>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    /// Starts the daemon of `ws` with its clock at `at`; with `listen`, on a free port.
    pub async fn spawn(ws: &Workspace, at: chrono::DateTime<Utc>, listen: bool) -> Self {
        let mut loaded = ws.load();
        let address = listen.then(free_address);
        if let Some(address) = &address {
            loaded.config.http.listen = address.clone();
            loaded.settings.listen = address.parse().ok();
        }
        let url = loaded.config.database.url.clone();
        let store = open(&url).await;
        let clock = std::sync::Arc::new(petition_watch::clock::ManualClock::new(at));
        let (control, rx) = tokio::sync::mpsc::channel(4);
        let task = tokio::spawn(petition_watch::app::run(ws.config_path(), vec![], loaded, store, clock.clone(), rx));
        if let Some(address) = &address {
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
            while tokio::net::TcpStream::connect(address.as_str()).await.is_err() {
                assert!(std::time::Instant::now() < deadline, "the daemon listens on {address}");
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
        // The scheduler has read the time it starts from: a move from here on is time passing.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while clock.watched() == 0 {
            assert!(std::time::Instant::now() < deadline, "the scheduler starts");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        Self { clock, address: address.map(|a| format!("http://{a}")), url, control, task }
    }

    /// Waits (up to 30 s) until `done` holds, checking every 50 ms; false when it never did.
    pub async fn until<F, Fut>(&self, mut done: F) -> bool
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            if done().await {
                return true;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        false
    }

    /// Sends SIGTERM's equivalent and waits for the daemon to stop cleanly.
    pub async fn stop(self) {
        self.control.send(petition_watch::app::Control::Stop).await.expect("daemon listening");
        tokio::time::timeout(std::time::Duration::from_secs(30), self.task)
            .await
            .expect("stops in time")
            .expect("joined")
            .expect("ran");
    }
}
