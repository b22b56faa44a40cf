//! `cargo xtask serve`'s `POST /_run/NAME`: a real run answers the program's
//! stdout, stderr and exit status; every request that is not our own page
//! asking for one of our examples is refused (403 for a foreign Origin or
//! Host, 404 for any other name, 409 while another run is going on).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use xtask::repo_root;
use xtask::serve::{App, RUN_LIMIT, router};

/// A server on a free port, serving an empty site, in its own runtime.
fn start() -> (Arc<App>, u16) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let site = std::env::temp_dir().join(format!("xtask-serve-test-{port}"));
    let app = App::new(&repo_root(), port, site, RUN_LIMIT);
    let served = Arc::clone(&app);
    std::thread::spawn(move || {
        runtime.block_on(async { axum::serve(listener, router(served)).await })
    });
    (app, port)
}

/// Sends `POST path` with these headers and `{}`; returns status and body.
fn post(
    port: u16,
    path: &str,
    headers: &[(&str, String)],
) -> (u16, serde_json::Value) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .expect("timeout");
    let mut request = format!("POST {path} HTTP/1.1\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str(
        "Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
    );
    stream.write_all(request.as_bytes()).expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let json = serde_json::from_str(body).unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// The headers our own page sends.
fn ours(port: u16) -> Vec<(&'static str, String)> {
    vec![
        ("Host", format!("127.0.0.1:{port}")),
        ("Origin", format!("http://127.0.0.1:{port}")),
    ]
}

const EXAMPLE: &str = "ch01-one-program-many-processes";

#[test]
fn a_run_answers_stdout_stderr_and_the_exit_status() {
    let (_app, port) = start();
    let (status, reply) = post(port, &format!("/_run/{EXAMPLE}"), &ours(port));
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["code"], 0, "{reply}");
    assert_eq!(reply["signal"], serde_json::Value::Null, "{reply}");
    assert_eq!(reply["timed_out"], false, "{reply}");
    assert!(reply["stderr"].is_string(), "{reply}");
    // The same output the book shows, after the masks for pids and addresses.
    let stdout = reply["stdout"].as_str().unwrap_or_default();
    let recorded = xtask::outputs::read_recorded(
        &xtask::repo_root().join(format!("examples/outputs/{EXAMPLE}.txt")),
    )
    .expect("the recorded run");
    let masked = |lines: Vec<String>| -> Vec<String> {
        lines.iter().map(|l| xtask::outputs::mask_line(l)).collect()
    };
    assert_eq!(
        masked(stdout.lines().map(str::to_string).collect()),
        masked(recorded.lines),
        "the program's own output is missing: {reply}"
    );
    // localhost is as good as 127.0.0.1, when Host and Origin agree.
    let local = vec![
        ("Host", format!("localhost:{port}")),
        ("Origin", format!("http://localhost:{port}")),
    ];
    assert_eq!(post(port, &format!("/_run/{EXAMPLE}"), &local).0, 200);
}

#[test]
fn a_run_past_the_limit_is_killed_with_its_process_group() {
    // An example that takes a while by design (it sleeps on purpose), so
    // the 1 ms limit is passed while it runs.
    let reply = xtask::serve::run_example(
        &repo_root(),
        "ch14-blocking-in-async",
        Duration::from_millis(1),
    )
    .expect("run");
    assert!(reply.timed_out, "{reply:?}");
    // Windows has no signals: a killed process exits with code 1 there.
    if cfg!(unix) {
        assert_eq!(reply.code, None, "{reply:?}");
        assert_eq!(reply.signal_name.as_deref(), Some("SIGKILL"), "{reply:?}");
    }
}

#[test]
fn a_foreign_origin_or_host_is_refused_with_403() {
    let (_app, port) = start();
    let path = format!("/_run/{EXAMPLE}");
    let cases = [
        ("no Origin", vec![("Host", format!("127.0.0.1:{port}"))]),
        (
            "another site's Origin",
            vec![
                ("Host", format!("127.0.0.1:{port}")),
                ("Origin", "https://evil.example".to_string()),
            ],
        ),
        (
            "another port's Origin",
            vec![
                ("Host", format!("127.0.0.1:{port}")),
                ("Origin", format!("http://127.0.0.1:{}", port ^ 1)),
            ],
        ),
        (
            "a rebinding Host (with its own Origin)",
            vec![
                ("Host", format!("evil.example:{port}")),
                ("Origin", format!("http://evil.example:{port}")),
            ],
        ),
        (
            "Host on another port",
            vec![
                ("Host", format!("127.0.0.1:{}", port ^ 1)),
                ("Origin", format!("http://127.0.0.1:{}", port ^ 1)),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (what, headers) in cases {
        let (status, reply) = post(port, &path, &headers);
        if status != 403 {
            wrong.push(format!("{what}: HTTP {status} {reply}"));
        }
    }
    xtask::fail_if_any("requests not refused with 403", wrong);
}

#[test]
fn any_name_but_an_example_is_404() {
    let (_app, port) = start();
    let mut wrong = Vec::new();
    for path in [
        "/_run/",
        "/_run/..",
        "/_run/../Cargo.toml",
        "/_run/..%2F..%2Fetc%2Fpasswd",
        "/_run/ch01%2F..%2Fch01-one-program-many-processes",
        "/_run/%63h01-one-program-many-processes",
        "/_run/ch01-one-program-many-processes.rs",
        "/_run/ch01-one-program-many-processes/x",
        "/_run/no-such-example",
        "/_run/outputs",
    ] {
        let (status, reply) = post(port, path, &ours(port));
        if status != 404 {
            wrong.push(format!("{path}: HTTP {status} {reply}"));
        }
    }
    xtask::fail_if_any("names not refused with 404", wrong);
}

#[test]
fn one_run_at_a_time() {
    let (app, port) = start();
    let slot = app.claim_run_slot().expect("the slot is free");
    let (status, reply) = post(port, &format!("/_run/{EXAMPLE}"), &ours(port));
    assert_eq!(status, 409, "a second run was not refused: {reply}");
    drop(slot);
}

#[test]
fn every_served_page_loads_the_live_reload_script() {
    // The tag that makes an open page reload after a rebuild; a page
    // without it would silently stay stale.
    let dest = std::env::temp_dir()
        .join(format!("xtask-serve-pages-{}", std::process::id()));
    xtask::serve::build_site(&repo_root(), &dest, 7).expect("build");
    let pages = xtask::html_pages(&dest);
    let missing: Vec<String> = pages
        .iter()
        .filter(|p| {
            let html = std::fs::read_to_string(p).expect("page");
            !html.contains("/_serve/client.js\" data-generation=\"7\"")
        })
        .map(|p| p.display().to_string())
        .collect();
    let _ = std::fs::remove_dir_all(&dest);
    assert!(pages.len() > 10, "only {} pages built", pages.len());
    assert!(
        missing.is_empty(),
        "pages without the live-reload tag: {missing:?}"
    );
}
