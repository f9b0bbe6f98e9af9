//! A headless Chromium driven over the DevTools protocol (a WebSocket on 127.0.0.1): open a
//! page at a phone's or a desk's width, type, choose a file, press a button, wait for what the
//! page then says, download, and take screenshots — as the clerk would, in a real browser.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How every test runs Chromium: headless, nothing fetched but the pages it is sent to.
pub const HEADLESS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// One browser with one tab.
pub struct Browser {
    child: Child,
    socket: Socket,
    session: String,
    next_id: u64,
    /// Where downloads land.
    pub downloads: PathBuf,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    /// Starts `chromium` with a fresh profile under `dir`, its tab `width` × `height` CSS
    /// pixels (a phone's layout below 600).
    pub async fn launch(chromium: &str, dir: &Path, width: u32, height: u32) -> Self {
        let profile = dir.join(format!("profile-{width}"));
        let downloads = dir.join(format!("downloads-{width}"));
        std::fs::create_dir_all(&downloads).expect("downloads");
        let mut child = Command::new(chromium)
            .args(HEADLESS)
            .args(["--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        let stderr = child.stderr.take().expect("stderr");
        let address = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stderr).lines();
            let found = lines
                .by_ref()
                .map_while(Result::ok)
                .find_map(|l| l.split_once("DevTools listening on ").map(|(_, a)| a.trim().to_owned()));
            // Keep reading so Chromium never blocks on a full pipe.
            std::thread::spawn(move || lines.for_each(drop));
            found
        })
        .await
        .expect("joined")
        .expect("chromium says where DevTools listens");
        assert!(address.starts_with("ws://127.0.0.1:"), "DevTools on loopback only: {address}");
        let (socket, _) = tokio_tungstenite::connect_async(&address).await.expect("DevTools connects");
        let mut browser = Self { child, socket, session: String::new(), next_id: 0, downloads };
        let target = browser.send(None, "Target.createTarget", json!({"url": "about:blank"})).await;
        let target = target["targetId"].as_str().expect("target").to_owned();
        let attached = browser.send(None, "Target.attachToTarget", json!({"targetId": target, "flatten": true})).await;
        browser.session = attached["sessionId"].as_str().expect("session").to_owned();
        let path = browser.downloads.display().to_string();
        browser.send(None, "Browser.setDownloadBehavior", json!({"behavior": "allow", "downloadPath": path})).await;
        browser.call("Page.enable", json!({})).await;
        browser
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600}),
            )
            .await;
        browser
    }

    async fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket.send(Message::text(message.to_string())).await.expect("DevTools send");
        let wait = async {
            loop {
                let Some(Ok(frame)) = self.socket.next().await else { panic!("DevTools closed during {method}") };
                let Ok(text) = frame.to_text() else { continue };
                let Ok(reply) = serde_json::from_str::<Value>(text) else { continue };
                if reply["id"] == json!(id) {
                    assert!(reply.get("error").is_none(), "{method}: {reply}");
                    return reply["result"].clone();
                }
            }
        };
        tokio::time::timeout(Duration::from_secs(30), wait).await.unwrap_or_else(|_| panic!("{method} timed out"))
    }

    /// A DevTools method on the tab.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params).await
    }

    /// The value of a script run in the page (promises awaited).
    pub async fn eval(&mut self, script: &str) -> Value {
        let result = self
            .call("Runtime.evaluate", json!({"expression": script, "returnByValue": true, "awaitPromise": true}))
            .await;
        assert!(result.get("exceptionDetails").is_none(), "{script}: {result}");
        result["result"]["value"].clone()
    }

    /// Waits until `condition` (a script) is true in the page, up to 20 s.
    pub async fn wait_for(&mut self, condition: &str) {
        let script = format!("(() => {{ try {{ return !!({condition}); }} catch (e) {{ return false; }} }})()");
        for _ in 0..200 {
            if self.eval(&script).await == json!(true) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let html = self.eval("document.body ? document.body.innerText : ''").await;
        panic!("the page never showed {condition}: {}", html.as_str().unwrap_or_default());
    }

    /// Opens `url` and waits until it has loaded.
    pub async fn goto(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url})).await;
        self.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'").await;
    }

    /// Runs `action` (a script that submits a form or follows a link), then waits until the page
    /// shows `ready` — something only the page that comes back has — and has loaded.
    pub async fn then(&mut self, action: &str, ready: &str) {
        self.eval(action).await;
        self.wait_for(&format!("document.readyState === 'complete' && ({ready})")).await;
    }

    /// Chooses `file` in the file input `selector`.
    pub async fn choose_file(&mut self, selector: &str, file: &Path) {
        let document = self.call("DOM.getDocument", json!({})).await;
        let root = document["root"]["nodeId"].clone();
        let node = self.call("DOM.querySelector", json!({"nodeId": root, "selector": selector})).await;
        let files = [file.display().to_string()];
        self.call("DOM.setFileInputFiles", json!({"files": files, "nodeId": node["nodeId"]})).await;
    }

    /// A PNG of the whole page, written to `path`.
    pub async fn screenshot(&mut self, path: &Path) {
        use base64::Engine as _;
        let shot = self.call("Page.captureScreenshot", json!({"format": "png", "captureBeyondViewport": true})).await;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().expect("data")).expect("base64");
        std::fs::write(path, bytes).expect("screenshot");
    }

    /// A PNG of the element `selector` only, written to `path`.
    pub async fn screenshot_of(&mut self, selector: &str, path: &Path) {
        use base64::Engine as _;
        let script = format!(
            "(() => {{ const r = document.querySelector('{selector}').getBoundingClientRect(); \
             return [r.left + scrollX, r.top + scrollY, r.width, r.height]; }})()"
        );
        let bounds = self.eval(&script).await;
        let n = |i: usize| bounds[i].as_f64().expect("a number");
        let clip = json!({"x": n(0), "y": n(1), "width": n(2), "height": n(3), "scale": 1});
        let shot = self
            .call("Page.captureScreenshot", json!({"format": "png", "clip": clip, "captureBeyondViewport": true}))
            .await;
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(shot["data"].as_str().expect("data")).expect("base64");
        std::fs::write(path, bytes).expect("screenshot");
    }

    /// How much wider than the window the page is (0 when nothing overflows).
    pub async fn overflow(&mut self) -> i64 {
        let wider = self.eval("document.documentElement.scrollWidth - window.innerWidth").await;
        wider.as_i64().expect("a number")
    }

    /// Waits for a finished download named `name` and returns its path.
    pub async fn downloaded(&self, name: &str) -> PathBuf {
        let path = self.downloads.join(name);
        for _ in 0..200 {
            let partial = std::fs::read_dir(&self.downloads)
                .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "crdownload")))
                .unwrap_or(false);
            if path.exists() && !partial {
                return path;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let found: Vec<PathBuf> =
            std::fs::read_dir(&self.downloads).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        panic!("no download {name}; the folder holds {found:?}");
    }
}
