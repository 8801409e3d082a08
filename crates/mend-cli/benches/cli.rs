//! Whole-process timings of the therapist's commands, against `mend --version` (the cost of
//! starting the binary at all):
//! - `mend plan` for a couple with a full intake and five recorded sessions (target: at most 3×),
//!   on the encrypted record with its key file readable by its owner alone; beside it, the same
//!   record plain, and with the key sealed by a passphrase (one Argon2id derivation a command);
//! - `mend homework packet` with every sheet for the couple (target: under 200 ms).
//!
//! Run with `cargo bench -p mend-cli --bench cli`.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Runs of each command; the median is reported.
const RUNS: usize = 40;

fn main() {
    let exe = env!("CARGO_BIN_EXE_mend");
    let dir = std::env::temp_dir().join(format!("mend-plan-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let demo = dir.join("demo");
    let db = demo.join("demo.db");
    // The demo's record is encrypted, its key file beside its own configuration and sealed with
    // the demo passphrase it prints.
    let config = demo.join("config.toml");
    let sealed = [("MEND_PASSPHRASE", "demo-harbour-lanterns")];

    // The demo makes a couple with both intakes and a first session; four more follow.
    run(exe, &config, &["demo", "--dir", &demo.to_string_lossy()], None, &[]);
    let couple = "okafor";
    let stages =
        ["disclosure-and-accountability", "honesty-and-questions", "honesty-and-questions", "listening-to-feelings"];
    for (n, stage) in stages.iter().enumerate() {
        let date = format!("2026-10-{:02}", n + 1);
        run(
            exe,
            &config,
            &["session", "record", couple, "--stage", stage, "--date", &date, "--notes", "bench"],
            Some(&db),
            &sealed,
        );
    }

    let version = median(|| run(exe, &config, &["--version"], None, &[]));
    // With the passphrase, every command pays for one Argon2id derivation when it unlocks the key.
    let plan_sealed = median(|| run(exe, &config, &["plan", couple, "--format", "text"], Some(&db), &sealed));
    // Without one (the key file readable by its owner alone), opening costs what plain SQLite does.
    run(exe, &config, &["key", "passphrase", "--remove"], Some(&db), &sealed);
    let plan = median(|| run(exe, &config, &["plan", couple, "--format", "text"], Some(&db), &[]));
    let plan_json = median(|| run(exe, &config, &["plan", couple, "--format", "json"], Some(&db), &[]));
    let sheets = String::from_utf8(
        Command::new(exe).args(["homework", "list"]).env("MEND_CONFIG", &config).output().expect("list sheets").stdout,
    )
    .expect("utf-8");
    let all: Vec<&str> = sheets.lines().filter_map(|l| l.split_whitespace().next()).collect();
    let all = all.join(",");
    let out = dir.join("packet");
    let out = out.to_string_lossy();
    let packet =
        median(|| run(exe, &config, &["homework", "packet", couple, "--sheets", &all, "-o", &out], Some(&db), &[]));
    // The same record decrypted, for the cost of encryption itself.
    let plain = dir.join("plain.db");
    run(exe, &config, &["export", "--plaintext", "-o", &dir.join("plain.json").to_string_lossy()], Some(&db), &[]);
    {
        let export = std::fs::read_to_string(dir.join("plain.json")).expect("the export");
        let export = mend_store::Export::from_json(&export).expect("an export");
        mend_store::Store::open(&plain).expect("a plain record").import(&export).expect("import");
    }
    let plan_plain = median(|| run(exe, &config, &["plan", couple, "--format", "text"], Some(&plain), &[]));
    println!("median of {RUNS} runs, whole process:");
    println!("  mend --version            {:>7.2} ms  (baseline)", ms(version));
    println!("  mend plan (text)          {:>7.2} ms  ratio {:.2}x  (target <= 3x)", ms(plan), ratio(plan, version));
    println!("  mend plan --format json   {:>7.2} ms  ratio {:.2}x", ms(plan_json), ratio(plan_json, version));
    println!(
        "  mend plan, plain record   {:>7.2} ms  ratio {:.2}x  (no encryption, for comparison)",
        ms(plan_plain),
        ratio(plan_plain, version)
    );
    println!(
        "  mend plan, passphrase     {:>7.2} ms  ratio {:.2}x  (one Argon2id derivation per command)",
        ms(plan_sealed),
        ratio(plan_sealed, version)
    );
    println!(
        "  mend homework packet      {:>7.2} ms  ratio {:.2}x  (every sheet; target < 200 ms)",
        ms(packet),
        ratio(packet, version)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

fn run(exe: &str, config: &Path, args: &[&str], db: Option<&Path>, env: &[(&str, &str)]) -> Duration {
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
