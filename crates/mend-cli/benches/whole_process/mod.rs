//! What both benches share: one `mend` run as a whole process, timed, and the figures' units.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `mend` with `args` (on `db`, with `config` and `env`), insists it succeeded, and returns
/// how long the whole process took.
pub(crate) fn run(exe: &str, config: &Path, args: &[&str], db: Option<&Path>, env: &[(&str, &str)]) -> Duration {
    let mut command = Command::new(exe);
    if let Some(db) = db {
        command.arg("--db").arg(db);
    }
    command.args(args).env("MEND_CONFIG", config).env("NO_COLOR", "1").env_remove("MEND_PASSPHRASE");
    command.envs(env.iter().copied());
    let start = Instant::now();
    let output = command.output().expect("run mend");
    let elapsed = start.elapsed();
    assert!(output.status.success(), "mend {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    elapsed
}

/// As [`run`], returning what it printed.
pub(crate) fn run_output(exe: &str, config: &Path, args: &[&str], db: Option<&Path>, env: &[(&str, &str)]) -> String {
    let mut command = Command::new(exe);
    if let Some(db) = db {
        command.arg("--db").arg(db);
    }
    command.args(args).env("MEND_CONFIG", config).env("NO_COLOR", "1").env_remove("MEND_PASSPHRASE");
    let output = command.envs(env.iter().copied()).output().expect("run mend");
    assert!(output.status.success(), "mend {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// A duration in milliseconds.
pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// How many times `b` `a` took.
pub(crate) fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
