//! Whole-process timings of the therapist's commands, against `mend --version` (the cost of
//! starting the binary at all):
//! - `mend plan` for a couple with a full intake and five recorded sessions (target: at most 3×),
//!   on the encrypted record with its key file readable by its owner alone; beside it, the same
//!   record plain, and with the key sealed by a passphrase (one Argon2id derivation a command);
//! - `mend homework packet` with every sheet for the couple (target: under 200 ms);
//! - `mend progress` for the couple with 52 weekly check-ins per partner, encrypted (target: at most 3×).
//!
//! Run with `cargo bench -p mend-cli --bench cli`. `MEND_BENCH_EXE=/path/to/mend` times another
//! build of mend (an older one, to compare) through the same steps. `MEND_BENCH_KEEP=1` keeps the
//! records it made and prints where, for profiling a command by hand.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

mod whole_process;
use whole_process::{ms, ratio, run, run_output};

/// Runs of each command; the median is reported.
const RUNS: usize = 40;

fn main() {
    let other = std::env::var("MEND_BENCH_EXE").ok();
    let exe = other.as_deref().unwrap_or(env!("CARGO_BIN_EXE_mend"));
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
    // Held today, as the demo's first session was: a session may not be dated before the latest.
    for stage in stages {
        run(exe, &config, &["session", "record", couple, "--stage", stage, "--notes", "bench"], Some(&db), &sealed);
    }

    // Three copies of the same record: encrypted with the key file readable by its owner alone
    // (the default for a new practice), encrypted with the key sealed by the demo's passphrase,
    // and plain, for the cost of encryption itself.
    let words = run_output(exe, &config, &["key", "recovery"], Some(&db), &sealed);
    let words = words.lines().nth(2).expect("the recovery words").trim().to_owned();
    let open_dir = dir.join("open");
    let open_db = open_dir.join("demo.db");
    let open_config = open_dir.join("config.toml");
    run(exe, &config, &["backup", &open_db.to_string_lossy()], Some(&db), &sealed);
    run(exe, &open_config, &["key", "restore"], Some(&open_db), &[("MEND_RECOVERY_KEY", &words)]);
    let plain = dir.join("plain.db");
    let plain_json = dir.join("plain.json");
    run(exe, &open_config, &["export", "--plaintext", "-o", &plain_json.to_string_lossy()], Some(&open_db), &[]);
    {
        let export = std::fs::read_to_string(&plain_json).expect("the export");
        let export = mend_store::Export::from_json(&export).expect("an export");
        mend_store::Store::open(&plain).expect("a plain record").import(&export).expect("import");
    }

    // The commands take turns, run after run, so that a busy machine slows them alike.
    let text = ["plan", couple, "--format", "text"];
    let json = ["plan", couple, "--format", "json"];
    let mut times: [Vec<Duration>; 5] = Default::default();
    for _ in 0..RUNS {
        times[0].push(run(exe, &config, &["--version"], None, &[]));
        times[1].push(run(exe, &open_config, &text, Some(&open_db), &[]));
        times[2].push(run(exe, &open_config, &json, Some(&open_db), &[]));
        times[3].push(run(exe, &open_config, &text, Some(&plain), &[]));
        // With the passphrase, every command pays for one Argon2id derivation as it unlocks the key.
        times[4].push(run(exe, &config, &text, Some(&db), &sealed));
    }
    let [version, plan, plan_json, plan_plain, plan_sealed] = times.map(|mut t| {
        t.sort();
        t[RUNS / 2]
    });

    // A year of check-ins, added to the plain copy through the store, which is then encrypted in
    // place as `mend encrypt` does for a practice, with its key file readable by its owner alone.
    add_a_year_of_checkins(&plain, couple);
    let checkins_config = dir.join("checkins").join("config.toml");
    std::fs::create_dir_all(dir.join("checkins")).expect("a folder for the check-ins' key file");
    run(exe, &checkins_config, &["encrypt"], Some(&plain), &[]);
    // Taking turns with `mend --version` again, so that both ratios share the baseline's moment.
    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..RUNS {
        times[0].push(run(exe, &config, &["--version"], None, &[]));
        times[1].push(run(exe, &checkins_config, &["progress", couple], Some(&plain), &[]));
        times[2].push(run(exe, &checkins_config, &["progress", couple, "--format", "json"], Some(&plain), &[]));
    }
    let [version_then, progress, progress_json] = times.map(|mut t| {
        t.sort();
        t[RUNS / 2]
    });
    let sheets = String::from_utf8(
        Command::new(exe).args(["homework", "list"]).env("MEND_CONFIG", &config).output().expect("list sheets").stdout,
    )
    .expect("utf-8");
    let all: Vec<&str> = sheets.lines().filter_map(|l| l.split_whitespace().next()).collect();
    let all = all.join(",");
    let out = dir.join("packet");
    let out = out.to_string_lossy();
    let packet = median(|| {
        run(exe, &open_config, &["homework", "packet", couple, "--sheets", &all, "-o", &out], Some(&open_db), &[])
    });
    println!("median of {RUNS} runs, whole process, the plan commands taking turns:");
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
        "  mend --version, again     {:>7.2} ms  (baseline of the progress runs, taking turns with them)",
        ms(version_then)
    );
    println!(
        "  mend progress (text)      {:>7.2} ms  ratio {:.2}x  (52 weekly check-ins each; target <= 3x)",
        ms(progress),
        ratio(progress, version_then)
    );
    println!(
        "  mend progress --format json {:>5.2} ms  ratio {:.2}x  (target <= 3x)",
        ms(progress_json),
        ratio(progress_json, version_then)
    );
    println!(
        "  mend homework packet      {:>7.2} ms  ratio {:.2}x  (every sheet; target < 200 ms)",
        ms(packet),
        ratio(packet, version)
    );
    if std::env::var_os("MEND_BENCH_KEEP").is_some() {
        // For profiling one command by hand: the year of check-ins and its key file stay.
        println!("kept: --db {} with MEND_CONFIG={}", plain.display(), checkins_config.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
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
            raw.insert("sexual_pressure".into(), vec!["no".into()]);
            raw.insert("harassed".into(), vec!["no".into()]);
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
                .create_checkin_link(
                    partner.id,
                    checkin,
                    &mend_store::CheckinAsks::default(),
                    now,
                    now + time::Duration::days(4),
                )
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

fn median(mut f: impl FnMut() -> Duration) -> Duration {
    let mut times: Vec<Duration> = (0..RUNS).map(|_| f()).collect();
    times.sort();
    times[RUNS / 2]
}
