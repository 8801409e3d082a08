//! Whole-process timings of the therapist's commands, against `mend --version` (the cost of
//! starting the binary at all):
//! - `mend plan` for a couple with a full intake and five recorded sessions (target: at most 3×);
//! - `mend homework packet` with every sheet for the couple (target: under 200 ms);
//! - `mend progress` for the couple with 52 weekly check-ins per partner (target: at most 3×).
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

    add_a_year_of_checkins(&db, couple);

    let version = median(|| run(exe, &config, &["--version"], None));
    let plan = median(|| run(exe, &config, &["plan", couple, "--format", "text"], Some(&db)));
    let plan_json = median(|| run(exe, &config, &["plan", couple, "--format", "json"], Some(&db)));
    let progress = median(|| run(exe, &config, &["progress", couple], Some(&db)));
    let progress_json = median(|| run(exe, &config, &["progress", couple, "--format", "json"], Some(&db)));
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
        "  mend progress (text)      {:>7.2} ms  ratio {:.2}x  (52 weekly check-ins each; target <= 3x)",
        ms(progress),
        ratio(progress, version)
    );
    println!(
        "  mend progress --format json {:>5.2} ms  ratio {:.2}x",
        ms(progress_json),
        ratio(progress_json, version)
    );
    println!(
        "  mend homework packet      {:>7.2} ms  ratio {:.2}x  (every sheet; target < 200 ms)",
        ms(packet),
        ratio(packet, version)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Sends 52 check-ins for each partner through the store, as the server would, then spreads
/// them a week apart, the latest today.
fn add_a_year_of_checkins(db: &Path, couple: &str) {
    let program = mend_core::Program::embedded().expect("the embedded program loads");
    let checkin = program.checkin.as_ref().expect("the program has a check-in");
    let mut store = mend_store::Store::open(db).expect("open the demo's database");
    let found = store.find_couple(couple).expect("the demo couple");
    let now = time::OffsetDateTime::now_utc();
    let today = now.date();
    for week in 0..52_i64 {
        for (n, partner) in found.partners.iter().enumerate() {
            // Scores that wander, so the chart has something to draw.
            let mood = ((week + n as i64) % 4).to_string();
            let trust = (week % 5).to_string();
            let mut raw = mend_core::RawAnswers::new();
            for id in ["afraid_of_partner", "hurt_or_threatened", "controlled"] {
                raw.insert(id.into(), vec!["no".into()]);
            }
            raw.insert("monitored".into(), vec!["no".into()]);
            raw.insert("self_harm_thoughts".into(), vec!["no".into()]);
            for id in ["trust_boundaries", "trust_honest", "trust_best_interest", "trust_promises", "trust_safety"] {
                raw.insert(id.into(), vec![trust.clone()]);
            }
            for item in 1..=9 {
                raw.insert(format!("phq9_{item}"), vec![if item == 9 { "0".into() } else { mood.clone() }]);
            }
            for item in 1..=7 {
                raw.insert(format!("gad7_{item}"), vec![mood.clone()]);
            }
            let answers = checkin.check(&raw, today).expect("complete answers");
            let scores = mend_core::checkin::scores_of(checkin, answers.answers());
            let token = store
                .create_checkin_link(partner.id, &checkin.id, checkin.version, &[], now, now + time::Duration::days(4))
                .expect("a check-in link");
            store.submit_checkin(&token, &answers, &scores, now).expect("the check-in is stored");
        }
    }
    drop(store);
    // A week between check-ins: each is moved back a week for every later one of its partner.
    rusqlite::Connection::open(db)
        .and_then(|conn| {
            conn.execute_batch(
                "UPDATE checkin_scores SET day = date(day, printf('-%d days', 7 * (SELECT count(*) FROM intake_responses later
                   WHERE later.partner_id = checkin_scores.partner_id AND later.id > checkin_scores.response_id)));",
            )
        })
        .expect("spread the check-ins a week apart");
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
