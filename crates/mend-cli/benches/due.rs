//! `mend due` over a practice of 200 couples, as a whole process, against `mend --version`
//! (target: at most 3×), on the encrypted record with its key file readable by its owner alone.
//!
//! The practice is the demo's couple (both intakes, a session) copied 200 times through an
//! export, with a waiting link and a check-in schedule for every couple, so that every rule of
//! the week has something to read. Run with `cargo bench -p mend-cli --bench due`;
//! `MEND_BENCH_EXE=/path/to/mend` times another build through the same steps.

use std::time::Duration;

mod whole_process;
use whole_process::{ms, ratio, run, run_output};

/// Runs of each command; the median is reported.
const RUNS: usize = 40;
/// Couples in the practice.
const COUPLES: usize = 200;

fn main() {
    let other = std::env::var("MEND_BENCH_EXE").ok();
    let exe = other.as_deref().unwrap_or(env!("CARGO_BIN_EXE_mend"));
    let dir = std::env::temp_dir().join(format!("mend-due-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let demo = dir.join("demo");
    let demo_config = demo.join("config.toml");
    let sealed = [("MEND_PASSPHRASE", "demo-harbour-lanterns")];
    run(exe, &demo_config, &["demo", "--dir", &demo.to_string_lossy()], None, &[]);

    // The demo's couple, 200 times over, each copy with ids and token hashes of its own.
    let export_path = dir.join("one.json");
    run(
        exe,
        &demo_config,
        &["export", "--plaintext", "-o", &export_path.to_string_lossy()],
        Some(&demo.join("demo.db")),
        &sealed,
    );
    let mut export: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&export_path).expect("the export")).expect("JSON");
    let couple = export["couples"][0].clone();
    let mut hash = 0_u64;
    let copies: Vec<serde_json::Value> = (0..COUPLES)
        .map(|n| {
            let mut copy = couple.clone();
            copy["id"] = format!("{:06x}", 0x100000 + n).into();
            copy["checkin_every_days"] = 7.into();
            for partner in copy["partners"].as_array_mut().expect("partners") {
                for invitation in partner["invitations"].as_array_mut().expect("invitations") {
                    hash += 1;
                    invitation["token_sha256"] = format!("{hash:064x}").into();
                }
            }
            copy
        })
        .collect();
    export["couples"] = copies.into();

    let practice = dir.join("practice");
    std::fs::create_dir_all(&practice).expect("a folder");
    let db = practice.join("mend.db");
    let config = practice.join("config.toml");
    // Imported through the store into a plain file (which `mend encrypt` then encrypts in place),
    // with a waiting link for one partner of every couple, as a practice in full swing has.
    {
        let mut store = mend_store::Store::open(&db).expect("open the practice");
        let export = mend_store::Export::from_json(&export.to_string()).expect("an export");
        store.import(&export).expect("import the practice");
        let program = mend_core::Program::embedded().expect("the embedded program");
        let now = time::OffsetDateTime::now_utc();
        for found in store.couples().expect("the couples") {
            let partner = found.partners[1].id;
            store
                .create_invitation(partner, &program.questionnaire, now, now + time::Duration::days(14))
                .expect("a link");
        }
    }
    run(exe, &config, &["encrypt"], Some(&db), &[]);
    let listed = run_output(exe, &config, &["due", "--format", "json"], Some(&db), &[]);
    let items: serde_json::Value = serde_json::from_str(&listed).expect("JSON");
    let items = items["due"].as_array().map_or(0, Vec::len);
    assert!(items >= COUPLES, "every couple has something due ({items} lines)");

    let mut times: [Vec<Duration>; 3] = Default::default();
    for _ in 0..RUNS {
        times[0].push(run(exe, &config, &["--version"], None, &[]));
        times[1].push(run(exe, &config, &["due"], Some(&db), &[]));
        times[2].push(run(exe, &config, &["due", "--format", "json"], Some(&db), &[]));
    }
    let [version, due, due_json] = times.map(|mut t| {
        t.sort();
        t[RUNS / 2]
    });
    println!("median of {RUNS} runs, whole process, taking turns; {COUPLES} couples, {items} lines due:");
    println!("  mend --version           {:>7.2} ms  (baseline)", ms(version));
    println!("  mend due (text)          {:>7.2} ms  ratio {:.2}x  (target <= 3x)", ms(due), ratio(due, version));
    println!("  mend due --format json   {:>7.2} ms  ratio {:.2}x", ms(due_json), ratio(due_json, version));
    if std::env::var_os("MEND_BENCH_KEEP").is_some() {
        println!("kept: --db {} with MEND_CONFIG={}", db.display(), config.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
