//! `mend serve` as a child process: started on a free port, stopped with SIGTERM like a service
//! manager stops it.

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use crate::mend::{Practice, wait_within};

/// How long the server may take to start listening, or to stop.
const LIMIT: Duration = Duration::from_secs(20);

/// The line `mend serve` prints first, before the address it listens on.
const LISTENING: &str = "mend serve: listening on ";

/// A running `mend serve` on 127.0.0.1 with a port the system chose.
#[derive(Debug)]
pub(crate) struct IntakeServer {
    child: Option<Child>,
    origin: String,
    stdout_lines: Receiver<String>,
    stderr_path: std::path::PathBuf,
}

impl IntakeServer {
    /// Starts `mend serve --addr 127.0.0.1:0` for `practice` and waits until it says where it
    /// listens.
    pub(crate) fn start(practice: &Practice) -> Self {
        Self::start_command(practice, practice.command(&["serve", "--addr", "127.0.0.1:0"]))
    }

    /// Starts `command`, a `mend serve` of `practice` set up as the journey needs, and waits
    /// until it says where it listens.
    pub(crate) fn start_command(practice: &Practice, mut command: Command) -> Self {
        let stderr_path = practice.path("serve.stderr");
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(fs::File::create(&stderr_path).expect("create a file for the server's log"))
            .spawn()
            .expect("start `mend serve`");
        let stdout = child.stdout.take().expect("the server's stdout is piped");
        let stdout_lines = forward_lines(stdout);
        let mut server = Self { child: Some(child), origin: String::new(), stdout_lines, stderr_path };
        let first = server.first_line();
        server.origin = match first.strip_prefix(LISTENING) {
            Some(origin) => origin.trim().to_owned(),
            None => panic!("`mend serve` began with {first:?} instead of {LISTENING:?}"),
        };
        server
    }

    /// The same link, pointing at this server: invitations and check-in links carry the
    /// configured public address, and only the path (`/i/TOKEN` or `/c/TOKEN`) is the partner's own.
    pub(crate) fn local(&self, invitation_url: &str) -> String {
        let path = invitation_url
            .find("/i/")
            .or_else(|| invitation_url.find("/c/"))
            .map(|at| &invitation_url[at..])
            .unwrap_or_else(|| panic!("{invitation_url:?} is not a link of ours (no /i/ or /c/ in it)"));
        format!("{}{path}", self.origin)
    }

    /// Where the server listens, as it printed it (`http://…` or `https://…`).
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// The next line the server prints, within the limit.
    pub(crate) fn next_line(&mut self) -> String {
        self.first_line()
    }

    /// Sends SIGTERM and waits for the server to finish the requests in flight and exit cleanly.
    pub(crate) fn stop(mut self) {
        let child = self.child.take().expect("the server runs until stopped");
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run `kill`");
        assert!(sent.success(), "`kill -TERM {pid}` failed");
        let status = wait_within(child, LIMIT, "mend serve (after SIGTERM)");
        assert!(status.success(), "`mend serve` exited with {status} after SIGTERM\n{}", self.log());
        let rest = self.remaining_lines();
        assert!(
            rest.iter().any(|line| line == "mend serve: stopped"),
            "`mend serve` did not say it stopped; it printed {rest:?}"
        );
    }

    /// The first line of stdout, within the limit.
    fn first_line(&mut self) -> String {
        match self.stdout_lines.recv_timeout(LIMIT) {
            Ok(line) => line,
            Err(RecvTimeoutError::Timeout) => {
                panic!("`mend serve` printed nothing within {} s\n{}", LIMIT.as_secs(), self.log())
            }
            Err(RecvTimeoutError::Disconnected) => panic!("`mend serve` exited before listening\n{}", self.log()),
        }
    }

    /// Everything stdout still had to say, up to its end (the process has exited).
    fn remaining_lines(&self) -> Vec<String> {
        let deadline = Instant::now() + LIMIT;
        let mut lines = Vec::new();
        while let Ok(line) = self.stdout_lines.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            lines.push(line);
        }
        lines
    }

    /// The server's log so far (request lines only: it never logs tokens or answers).
    fn log(&self) -> String {
        let log = fs::read_to_string(&self.stderr_path).unwrap_or_default();
        format!("--- mend serve stderr ---\n{log}")
    }
}

impl Drop for IntakeServer {
    /// A journey that fails midway must not leave a server behind.
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Reads lines on a thread of its own, so the pipe never fills and the first line can be
/// awaited with a deadline.
fn forward_lines(stdout: std::process::ChildStdout) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}
