//! The listener under a flood (DESIGN §4): idle connections that never finish their header are
//! closed, connections past `http.max_connections` are refused on arrival, and neither the API
//! nor delivery runs out of file descriptors.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::time::{Duration, Instant};

use crate::delivery::workspace;
use crate::helpers::{free_address, repo};

/// Sets this process's soft limit on open files to `wanted` (at most its hard limit).
fn raise_own_file_limit(wanted: u64) {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0, "getrlimit");
        assert!(limit.rlim_max >= wanted, "the test holds {wanted} sockets; the hard file limit is {}", limit.rlim_max);
        if limit.rlim_cur < wanted {
            limit.rlim_cur = wanted;
            assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0, "setrlimit");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn eleven_hundred_idle_connections_under_a_1024_file_limit_stop_neither_the_api_nor_delivery() {
    raise_own_file_limit(4096);
    let ws = workspace("", &["outbox"]);
    let register = repo().join("config/examples/register.csv");
    let out = ws.run(&["import", register.to_str().expect("path")]);
    assert_eq!(out.code, 0, "{out:?}");
    let address = free_address();
    // The daemon gets 1,024 open files, soft and hard: it cannot raise them.
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_petition-watch"));
    command
        .current_dir(ws.dir.path())
        .arg("--config")
        .arg(ws.config_path())
        .args(["run", "--listen", &address])
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setrlimit is async-signal-safe, as pre_exec requires.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit { rlim_cur: 1024, rlim_max: 1024 };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut daemon = command.spawn().expect("daemon starts");
    let client = reqwest::Client::builder().timeout(Duration::from_secs(5)).build().expect("client");
    let health = format!("http://{address}/healthz");
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(&health).send().await.is_err() {
        assert!(Instant::now() < deadline, "the daemon did not start listening");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // 1,100 connections, each sending half a request header and then nothing.
    let flood_started = Instant::now();
    let mut idle = Vec::new();
    for _ in 0..1_100 {
        match std::net::TcpStream::connect(&address) {
            Ok(mut stream) => {
                let _ = stream.write_all(b"GET /api/v1/jobs HTTP/1.1\r\nHost: flood\r\n");
                idle.push(stream);
            }
            Err(e) => panic!("connect failed on the test's side: {e}"),
        }
    }

    // Meanwhile the office runs the deadline watch: the daemon must still deliver its notices.
    let out = ws.run(&["jobs", "run", "deadline_watch", "--as-of", "2026-11-27", "--send"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("notices written"), "{out:?}");
    let outbox = ws.path("outbox");
    let delivered = loop {
        let files = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
        if files > 0 {
            break files;
        }
        assert!(flood_started.elapsed() < Duration::from_secs(15), "nothing delivered during the flood");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(delivered > 0);

    // Held for 15 s, then a new client is answered.
    if let Some(rest) = Duration::from_secs(15).checked_sub(flood_started.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    let response = client.get(&health).send().await.expect("/healthz answers after the flood");
    assert_eq!(response.status(), 200);
    let metrics =
        client.get(format!("http://{address}/metrics")).send().await.expect("metrics").text().await.expect("body");
    let refused = metrics
        .lines()
        .find(|l| l.starts_with("petition_watch_http_connections_refused_total"))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or(0.0);
    assert!(refused >= 800.0, "connections past http.max_connections were refused on arrival: {refused}");
    drop(idle);
    assert!(daemon.try_wait().expect("poll").is_none(), "the daemon is still running");
    let _ = daemon.kill();
    let _ = daemon.wait();
}
