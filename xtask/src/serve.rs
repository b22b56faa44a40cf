//! `cargo xtask serve`: the book built in-process (with [`crate::book`], the
//! same mdBook libraries the tests use), served on 127.0.0.1 with axum and
//! tower-http, rebuilt when a watched file changes (notify), and reloaded in
//! the open page by a long-polling script injected only here.
//!
//! It also answers `POST /_run/NAME`: it builds and runs
//! `examples/NAME.rs` on this machine and answers JSON with its stdout,
//! stderr and how it ended, so every Run button works locally, including on
//! the examples the playground cannot run. See [`run_example`] for the rules.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use tower_http::services::{ServeDir, ServeFile};

/// How long the program itself may run (after it compiled) before its whole
/// process group is killed. The book's examples finish within 2 s.
pub const RUN_LIMIT: Duration = Duration::from_secs(10);
/// How long compiling one example may take.
pub const BUILD_LIMIT: Duration = Duration::from_secs(300);
/// At most this many bytes of stdout and of stderr are kept.
const OUTPUT_LIMIT: usize = 1 << 20;
/// What the page loads to learn it is served here and to reload on a rebuild.
const CLIENT_PATH: &str = "/_serve/client.js";

/// The server's shared state.
pub struct App {
    root: PathBuf,
    port: u16,
    /// The folder holding the newest complete build.
    site: RwLock<PathBuf>,
    /// Counts finished builds; the pages wait for it to change.
    generation: tokio::sync::watch::Sender<u64>,
    /// One run at a time.
    running: tokio::sync::Mutex<()>,
    run_limit: Duration,
}

impl App {
    /// State for a server on `port` serving the site in `site` (which may
    /// not exist yet: pages then answer 404).
    pub fn new(
        root: &Path,
        port: u16,
        site: PathBuf,
        run_limit: Duration,
    ) -> Arc<App> {
        Arc::new(App {
            root: root.to_path_buf(),
            port,
            site: RwLock::new(site),
            generation: tokio::sync::watch::channel(0).0,
            running: tokio::sync::Mutex::new(()),
            run_limit,
        })
    }

    /// Points the server at a new complete build and tells the pages.
    pub fn publish(&self, site: PathBuf) {
        *self.site.write().expect("site") = site;
        self.generation.send_modify(|g| *g += 1);
    }

    /// Takes the one run slot, as a run does (a test holds it to see the
    /// next request refused).
    pub fn claim_run_slot(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        self.running.try_lock().ok()
    }

    fn generation(&self) -> u64 {
        *self.generation.borrow()
    }
}

/// The routes: `/_run/...`, the live-reload script and its wait, then files.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/_run/", post(run_handler))
        .route("/_run/{*rest}", post(run_handler))
        .route(CLIENT_PATH, get(client_js))
        .route("/_serve/wait", get(wait_for_build))
        .fallback(files)
        .with_state(app)
}

/// The JSON a run answers.
#[derive(Debug, Serialize, Default)]
pub struct RunReply {
    /// The command a reader would type for the same run.
    pub command: String,
    pub stdout: String,
    pub stderr: String,
    /// The exit code, or `null` when a signal ended the program (or it
    /// never started).
    pub code: Option<i32>,
    /// The signal that ended the program (Unix), or `null`.
    pub signal: Option<i32>,
    /// Its name, such as `SIGABRT`.
    pub signal_name: Option<String>,
    /// The program ran past the time limit and was killed.
    pub timed_out: bool,
    /// false when the example did not compile (stderr holds cargo's message).
    pub compiled: bool,
    pub elapsed_ms: u128,
    /// A refusal or failure in words, when there was no run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

fn json(status: StatusCode, reply: &RunReply) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(reply).unwrap_or_default(),
    )
        .into_response()
}

fn refuse(status: StatusCode, why: &str) -> Response {
    json(
        status,
        &RunReply {
            error: Some(why.to_string()),
            ..RunReply::default()
        },
    )
}

/// `Host` is this server as the reader's browser names it: 127.0.0.1 or
/// localhost with our port. Anything else is a page on another name that
/// resolved to 127.0.0.1 (DNS rebinding).
fn host_is_ours(headers: &HeaderMap, port: u16) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    [format!("127.0.0.1:{port}"), format!("localhost:{port}")]
        .into_iter()
        .find(|ours| ours == host)
}

/// `POST /_run/NAME`: only for our own pages (Origin and Host checked),
/// only for the name of a file in `examples/`, one run at a time.
async fn run_handler(
    State(app): State<Arc<App>>,
    request: Request,
) -> Response {
    let headers = request.headers();
    let Some(host) = host_is_ours(headers, app.port) else {
        return refuse(
            StatusCode::FORBIDDEN,
            "the Host is not this server (127.0.0.1 or localhost with its port)",
        );
    };
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if origin != Some(format!("http://{host}").as_str()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "runs are started only by the book's own pages (Origin)",
        );
    }
    // The raw path, before any percent-decoding: `%2F`, `..` and every other
    // name that is not exactly an example's file stem are unknown.
    let name = request
        .uri()
        .path()
        .strip_prefix("/_run/")
        .unwrap_or_default()
        .to_string();
    let known = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && crate::example_names(&app.root).contains(&name);
    if !known {
        return refuse(StatusCode::NOT_FOUND, "no example by that name");
    }
    let Some(_one_at_a_time) = app.claim_run_slot() else {
        return refuse(
            StatusCode::CONFLICT,
            "another example is still running; try again when it has finished",
        );
    };
    let root = app.root.clone();
    let limit = app.run_limit;
    match tokio::task::spawn_blocking(move || run_example(&root, &name, limit))
        .await
    {
        Ok(Ok(reply)) => json(StatusCode::OK, &reply),
        Ok(Err(e)) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e),
        Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
    }
}

/// Builds `examples/NAME.rs` with cargo and runs it in a process group of its
/// own, with stdin closed. After `limit` the whole group is killed (Unix;
/// on Windows the program itself), and so is anything the program left
/// running when it exits.
pub fn run_example(
    root: &Path,
    name: &str,
    limit: Duration,
) -> Result<RunReply, String> {
    let started = Instant::now();
    let mut reply = RunReply {
        command: format!("cargo run --example {name}"),
        ..RunReply::default()
    };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut build = Command::new(&cargo);
    build.current_dir(root).args([
        "build",
        "--quiet",
        "--package",
        "thread-vs-process",
        "--example",
        name,
        "--message-format=json-render-diagnostics",
    ]);
    let built = bounded(build, BUILD_LIMIT)?;
    let exe = built
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["reason"] == "compiler-artifact" && m["target"]["name"] == name
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from));
    let Some(exe) = exe.filter(|_| built.code == Some(0)) else {
        reply.stderr = built.stderr;
        reply.code = built.code;
        reply.timed_out = built.timed_out;
        reply.elapsed_ms = started.elapsed().as_millis();
        return Ok(reply);
    };
    reply.compiled = true;
    let mut program = Command::new(exe);
    program
        .current_dir(root)
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LOG");
    let ran = bounded(program, limit)?;
    reply.stdout = ran.stdout;
    reply.stderr = ran.stderr;
    reply.code = ran.code;
    reply.signal = ran.signal;
    reply.signal_name = ran.signal.map(signal_name);
    reply.timed_out = ran.timed_out;
    reply.elapsed_ms = started.elapsed().as_millis();
    Ok(reply)
}

/// How a bounded run ended.
struct Ended {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
}

/// Runs `cmd` with piped output in a new process group, killing the group
/// after `limit` or once the leader has exited.
fn bounded(mut cmd: Command, limit: Duration) -> Result<Ended, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let group = child.id();
    let collect = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut kept = Vec::new();
            if let Some(pipe) = pipe {
                let _ = pipe.take(OUTPUT_LIMIT as u64).read_to_end(&mut kept);
            }
            String::from_utf8_lossy(&kept).replace("\r\n", "\n")
        })
    };
    let out = collect(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = collect(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + limit;
    let (status, timed_out) = loop {
        match child.try_wait() {
            Ok(Some(status)) => break (status, false),
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(5))
            }
            Ok(None) => {
                kill_group(group);
                let _ = child.kill();
                let status = child
                    .wait()
                    .map_err(|e| format!("cannot wait for the run: {e}"))?;
                break (status, true);
            }
            Err(e) => return Err(format!("cannot wait for the run: {e}")),
        }
    };
    // After a normal exit, whatever the program left running goes too, so
    // no run outlives its answer (and the pipes close).
    kill_group(group);
    let signal = {
        #[cfg(unix)]
        {
            use std::os::unix::process::ExitStatusExt;
            status.signal()
        }
        #[cfg(not(unix))]
        {
            None
        }
    };
    Ok(Ended {
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        code: status.code(),
        signal,
        timed_out,
    })
}

#[cfg(unix)]
fn kill_group(group: u32) {
    // SAFETY: killpg takes a process group id and a signal number and
    // touches no memory of ours; the group is the one the child leads
    // (`process_group(0)`), so it names only that run's processes.
    unsafe {
        libc::killpg(group as libc::pid_t, libc::SIGKILL);
    }
}

#[cfg(not(unix))]
fn kill_group(_group: u32) {}

/// `SIGABRT` for 6, and so on for the signals a program usually dies of.
pub fn signal_name(signal: i32) -> String {
    let name = match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        5 => "SIGTRAP",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        14 => "SIGALRM",
        15 => "SIGTERM",
        _ => return format!("signal {signal}"),
    };
    name.to_string()
}

/// The live-reload script (and the flag run-buttons.js reads).
async fn client_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        CLIENT_JS,
    )
        .into_response()
}

const CLIENT_JS: &str = r#"// Injected by `cargo xtask serve` only: marks the page as served locally
// (theme/run-buttons.js then runs examples on this machine) and reloads the
// page when a rebuild finishes.
'use strict';
window.threadVsProcessServe = { run: '/_run/' };
(function () {
  const built = document.currentScript.dataset.generation;
  const pause = (ms) => new Promise((r) => setTimeout(r, ms));
  async function watch() {
    for (;;) {
      try {
        const r = await fetch('/_serve/wait?since=' + built, { cache: 'no-store' });
        const now = (await r.text()).trim();
        if (r.ok && now !== built) {
          location.reload();
          return;
        }
      } catch (e) {
        await pause(1000);
      }
    }
  }
  watch();
})();
"#;

/// Answers the build generation once it differs from `since` (or after
/// 25 s, when the page asks again).
async fn wait_for_build(
    State(app): State<Arc<App>>,
    request: Request,
) -> String {
    let mut rx = app.generation.subscribe();
    let since = request
        .uri()
        .query()
        .and_then(|q| q.strip_prefix("since="))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap_or(0);
    let _ = tokio::time::timeout(
        Duration::from_secs(25),
        rx.wait_for(|g| *g != since),
    )
    .await;
    app.generation().to_string()
}

/// The newest build's files, with mdBook's 404 page for unknown paths.
async fn files(State(app): State<Arc<App>>, request: Request) -> Response {
    let site = app.site.read().expect("site").clone();
    let mut service = ServeDir::new(&site)
        .not_found_service(ServeFile::new(site.join("404.html")));
    match service.try_call(request).await {
        Ok(response) => response.map(axum::body::Body::new),
        Err(e) => {
            (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response()
        }
    }
}

/// Builds the book into `dest` for serving: pages at `/` (not the published
/// site-url) and the live-reload script in every page's `<head>`.
pub fn build_site(
    root: &Path,
    dest: &Path,
    generation: u64,
) -> Result<Vec<String>, String> {
    let warnings = crate::book::build_with(root, dest, |config| {
        config
            .set("output.html.site-url", "/")
            .map_err(|e| format!("{e:#}"))
    })?;
    let tag = format!(
        "<script src=\"{CLIENT_PATH}\" data-generation=\"{generation}\"></script>"
    );
    for path in crate::html_pages(dest) {
        let html = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let html = html.replacen("</head>", &format!("{tag}\n</head>"), 1);
        std::fs::write(&path, html)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(warnings)
}

/// What a rebuild looks at.
pub fn watched(root: &Path) -> Vec<PathBuf> {
    ["src", "examples", "theme", "book.toml"]
        .iter()
        .map(|p| root.join(p))
        .collect()
}

/// `cargo xtask serve`: build, serve on 127.0.0.1:`port`, watch, rebuild.
pub fn serve(root: &Path, port: u16, open: bool) -> Result<(), String> {
    let started = Instant::now();
    // Two folders per port: one served while the other is rebuilt (and two
    // servers on different ports never share one).
    let sites = [
        root.join(format!("target/xtask-serve/{port}-a")),
        root.join(format!("target/xtask-serve/{port}-b")),
    ];
    let report = |warnings: Vec<String>| {
        for w in warnings {
            eprintln!("xtask serve: {w}");
        }
    };
    report(build_site(root, &sites[0], 1)?);
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("no runtime: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", port)))
        .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
    let app = App::new(root, port, sites[0].clone(), RUN_LIMIT);
    app.publish(sites[0].clone());
    let url = format!("http://127.0.0.1:{port}/");
    println!(
        "xtask serve: the book is at {url} (built in {:.1?}); Ctrl-C stops",
        started.elapsed()
    );
    if open {
        open_browser(&url);
    }

    // Rebuild on change, into the folder not being served, then switch.
    let (tx, rx) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(
        move |event: notify::Result<notify::Event>| {
            if event.is_ok_and(|e| !e.kind.is_access()) {
                let _ = tx.send(());
            }
        },
    )
    .map_err(|e| format!("cannot watch files: {e}"))?;
    use notify::Watcher;
    for path in watched(root) {
        watcher
            .watch(&path, notify::RecursiveMode::Recursive)
            .map_err(|e| format!("cannot watch {}: {e}", path.display()))?;
    }
    let rebuilder = Arc::clone(&app);
    let root_owned = root.to_path_buf();
    std::thread::spawn(move || {
        let _watcher = watcher;
        let mut next = 1;
        while rx.recv().is_ok() {
            // An editor's save is several events: let them settle.
            std::thread::sleep(Duration::from_millis(50));
            while rx.try_recv().is_ok() {}
            let start = Instant::now();
            let generation = rebuilder.generation() + 1;
            match build_site(&root_owned, &sites[next], generation) {
                Ok(warnings) => {
                    report(warnings);
                    rebuilder.publish(sites[next].clone());
                    println!("xtask serve: rebuilt in {:.1?}", start.elapsed());
                    next = 1 - next;
                }
                Err(e) => eprintln!("xtask serve: the rebuild failed:\n{e}"),
            }
        }
    });
    runtime
        .block_on(async { axum::serve(listener, router(app)).await })
        .map_err(|e| format!("the server stopped: {e}"))
}

fn open_browser(url: &str) {
    let mut cmd = if cfg!(target_os = "macos") {
        Command::new("open")
    } else if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        Command::new("xdg-open")
    };
    if let Err(e) = cmd
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        eprintln!("xtask serve: cannot open a browser ({e}); open {url}");
    }
}
