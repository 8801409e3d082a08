//! Whole-process timings of the therapist's commands, against `mend --version` (the cost of
//! starting the binary at all):
//! - `mend plan` for a couple with a full intake and five recorded sessions (target: at most 3×);
//! - `mend homework packet` with every sheet for the couple (target: under 200 ms).
//!
//! Run with `cargo bench -p mend-cli --bench cli`. `MEND_BENCH_EXE=/path/to/mend` times another
//! build of mend (an older one, to compare) through the same steps.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs of each command; the median is reported.
const RUNS: usize = 40;

fn main() {
    let other = std::env::var("MEND_BENCH_EXE").ok();
    let exe = other.as_deref().unwrap_or(env!("CARGO_BIN_EXE_mend"));
    let dir = std::env::temp_dir().join(format!("mend-plan-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("demo").join("demo.db");
    let config = dir.join("config.toml");

    // The demo makes a couple with both intakes and a first session, held today; four more
    // follow on the same day (a fixed date could fall before the demo's session, which is refused).
    run(exe, &config, &["demo", "--dir", &dir.join("demo").to_string_lossy()], None);
    let couple = "okafor";
    let stages =
        ["disclosure-and-accountability", "honesty-and-questions", "honesty-and-questions", "listening-to-feelings"];
    for stage in stages {
        run(exe, &config, &["session", "record", couple, "--stage", stage, "--notes", "bench"], Some(&db));
    }

    let version = median(|| run(exe, &config, &["--version"], None));
    let plan = median(|| run(exe, &config, &["plan", couple, "--format", "text"], Some(&db)));
    let plan_json = median(|| run(exe, &config, &["plan", couple, "--format", "json"], Some(&db)));
    let sheets = String::from_utf8(
        Command::new(exe).args(["homework", "list"]).env("MEND_CONFIG", &config).output().expect("list sheets").stdout,
    )
    .expect("utf-8");
    let all: Vec<&str> = sheets.lines().filter_map(|l| l.split_whitespace().next()).collect();
    let all = all.join(",");
    let out = dir.join("packet");
    let out = out.to_string_lossy();
    let packet = median(|| run(exe, &config, &["homework", "packet", couple, "--sheets", &all, "-o", &out], Some(&db)));
    println!("median of {RUNS} runs, whole process:");
    println!("  mend --version            {:>7.2} ms  (baseline)", ms(version));
    println!("  mend plan (text)          {:>7.2} ms  ratio {:.2}x  (target <= 3x)", ms(plan), ratio(plan, version));
    println!("  mend plan --format json   {:>7.2} ms  ratio {:.2}x", ms(plan_json), ratio(plan_json, version));
    println!(
        "  mend homework packet      {:>7.2} ms  ratio {:.2}x  (every sheet; target < 200 ms)",
        ms(packet),
        ratio(packet, version)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn run(exe: &str, config: &Path, args: &[&str], db: Option<&Path>) -> Duration {
    let mut command = Command::new(exe);
    if let Some(db) = db {
        command.arg("--db").arg(db);
    }
    command.args(args).env("MEND_CONFIG", config).env("NO_COLOR", "1");
    let start = Instant::now();
    let output = command.output().expect("run mend");
    let elapsed = start.elapsed();
    assert!(output.status.success(), "mend {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    elapsed
}

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    times[RUNS / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}
