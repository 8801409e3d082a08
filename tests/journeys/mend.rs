//! Finds the `mend` binary and runs it in a practice of its own, so no journey touches a real
//! therapist's database or configuration.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

/// How long an ordinary command may take before the journey calls it hung.
const COMMAND_LIMIT: Duration = Duration::from_secs(60);

/// The `mend` binary, built once per test run if `cargo test -p mend-tests` found none.
pub(crate) fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(locate_or_build)
}

/// The profile folder this test binary was built into: `target/debug/deps/journeys-…` gives
/// `target/debug`, where cargo also puts `mend`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    exe.parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| panic!("{} is not inside target/<profile>/deps", exe.display()))
}

fn locate_or_build() -> PathBuf {
    let dir = profile_dir();
    let binary = dir.join(format!("mend{}", std::env::consts::EXE_SUFFIX));
    if !binary.is_file() {
        // `cargo test --workspace` builds mend-cli's binary; `cargo test -p mend-tests` does not,
        // because this package cannot depend on a binary. Build it the same way, once.
        build_mend(&dir);
    }
    assert!(
        binary.is_file(),
        "the mend binary is not at {} even after `cargo build -p mend-cli`: \
         run `cargo build -p mend-cli` (with the same profile and CARGO_TARGET_DIR) and try again",
        binary.display()
    );
    binary
}

/// Runs `cargo build -p mend-cli` for the profile this test binary was built with. The cargo
/// that runs the tests is in `CARGO`, and `CARGO_TARGET_DIR` passes through unchanged.
fn build_mend(profile_dir: &Path) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.args(["build", "-p", "mend-cli", "--bin", "mend"]).current_dir(env!("CARGO_MANIFEST_DIR"));
    match profile_dir.file_name().and_then(|name| name.to_str()) {
        Some("debug") | None => {}
        Some("release") => {
            command.arg("--release");
        }
        Some(profile) => {
            command.args(["--profile", profile]);
        }
    }
    let status = command.status().expect("run cargo to build the mend binary");
    assert!(
        status.success(),
        "`cargo build -p mend-cli` failed ({status}): fix the build, then run the journeys again"
    );
}

/// What one run of `mend` printed and how it ended.
#[derive(Debug)]
pub(crate) struct Run {
    /// The command line, for failure messages.
    pub(crate) command: String,
    /// Everything written to standard output.
    pub(crate) stdout: String,
    /// Everything written to standard error.
    pub(crate) stderr: String,
    /// How the process ended.
    pub(crate) status: ExitStatus,
    /// The process id, which is also the id of the process group it led.
    pub(crate) pid: u32,
}

impl Run {
    /// Fails the journey, showing everything the command printed, unless it exited with 0.
    pub(crate) fn assert_success(&self) {
        assert!(
            self.status.success(),
            "`{}` failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.command,
            self.status,
            self.stdout,
            self.stderr
        );
    }

    /// Fails the journey if anything the command started is still running after it exited,
    /// such as an intake server it forgot to stop.
    pub(crate) fn assert_nothing_left_running(&self) {
        // Signal 0 to the process group only asks whether any member still exists.
        let group = format!("-{}", self.pid);
        let alive = Command::new("kill").args(["-0", "--", &group]).stderr(Stdio::null()).status();
        let left = alive.is_ok_and(|status| status.success());
        if left {
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        }
        assert!(!left, "`{}` exited but left processes running (they were killed)", self.command);
    }
}

/// A therapist's practice in a temporary folder: `MEND_DB` and `MEND_CONFIG` point into it.
#[derive(Debug)]
pub(crate) struct Practice {
    dir: tempfile::TempDir,
    runs: AtomicUsize,
}

impl Practice {
    /// A fresh practice with no database yet.
    pub(crate) fn new() -> Self {
        Self { dir: tempfile::tempdir().expect("create a temporary folder"), runs: AtomicUsize::new(0) }
    }

    /// A path inside the practice's folder.
    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `mend` with `args`, set up to use only this practice's files. Colour is off so the
    /// output can be searched as plain text.
    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(binary());
        command
            .args(args)
            .current_dir(self.dir.path())
            .env("MEND_DB", self.path("mend.db"))
            .env("MEND_CONFIG", self.path("config.toml"))
            .env("NO_COLOR", "1")
            .env_remove("MEND_CONTENT")
            .stdin(Stdio::null());
        command
    }

    /// Runs `mend` with `args` to the end, within a minute.
    pub(crate) fn run(&self, args: &[&str]) -> Run {
        self.run_within(args, COMMAND_LIMIT)
    }

    /// Runs `mend` with `args` to the end; kills it and fails the journey after `limit`.
    ///
    /// The output goes to files rather than pipes: a process that mend starts and leaves behind
    /// would hold a pipe open, and a wait for the pipe to close would then never end. The
    /// command leads a process group of its own, so a timeout kills what it started too.
    pub(crate) fn run_within(&self, args: &[&str], limit: Duration) -> Run {
        let number = self.runs.fetch_add(1, Ordering::Relaxed);
        let stdout_path = self.path(&format!("run-{number}.stdout"));
        let stderr_path = self.path(&format!("run-{number}.stderr"));
        let command_line = format!("mend {}", args.join(" "));
        let child = self
            .command(args)
            .stdout(fs::File::create(&stdout_path).expect("create a file for stdout"))
            .stderr(fs::File::create(&stderr_path).expect("create a file for stderr"))
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{command_line}`: {e}"));
        let pid = child.id();
        let status = wait_within(child, limit, &command_line);
        Run {
            command: command_line,
            stdout: fs::read_to_string(&stdout_path).expect("stdout is UTF-8"),
            stderr: fs::read_to_string(&stderr_path).expect("stderr is UTF-8"),
            status,
            pid,
        }
    }

    /// Runs `mend` with `args`, insists it succeeded, and returns its standard output.
    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        run.assert_success();
        run.stdout
    }

    /// Adds a couple whose second partner broke trust by lies, and returns its short id.
    pub(crate) fn add_couple(&self, first: &str, second: &str) -> String {
        let args =
            ["couple", "add", "--partner", first, "--partner", second, "--breach", "lies", "--broke-trust", second];
        let couple = self.json(&[&args[..], &["--format", "json"]].concat());
        couple["id"].as_str().unwrap_or_else(|| panic!("`couple add` printed no id: {couple}")).to_owned()
    }

    /// Runs `mend` with `args` (which ask for `--format json`) and parses what it printed.
    pub(crate) fn json(&self, args: &[&str]) -> serde_json::Value {
        let stdout = self.ok(args);
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("`mend {}` did not print JSON ({e}):\n{stdout}", args.join(" ")))
    }
}

/// Waits for `child` to exit, for at most `limit`; kills it and fails the journey after that.
///
/// The wait happens on a thread that reports back over a channel, so the deadline is kept
/// without polling.
pub(crate) fn wait_within(mut child: Child, limit: Duration, what: &str) -> ExitStatus {
    let pid = child.id();
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(child.wait());
    });
    match receiver.recv_timeout(limit) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => panic!("cannot wait for `{what}`: {e}"),
        Err(_) => {
            // The waiting thread still owns the child and reaps it once the signal lands. When
            // the child leads a process group, whatever it started goes with it.
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).stderr(Stdio::null()).status();
            let _ = Command::new("kill").args(["-KILL", &pid.to_string()]).stderr(Stdio::null()).status();
            panic!("`{what}` did not finish within {} s and was killed", limit.as_secs());
        }
    }
}

/// The link for `partner` in what `mend invite --format json` printed.
pub(crate) fn link_for<'a>(links: &'a [serde_json::Value], partner: &str) -> &'a str {
    links
        .iter()
        .find(|link| link["partner"] == partner)
        .and_then(|link| link["url"].as_str())
        .unwrap_or_else(|| panic!("`mend invite` printed no link for {partner}: {links:?}"))
}
