//! Encryption at rest through the real binary: a new practice is encrypted, the key file and its
//! passphrase, wrong or missing keys, recovery words, a new key, sealed exports, and `mend
//! encrypt` on a plain record, also when it is killed part-way.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mend_core::{BreachKind, BrokeTrust, NewCouple, PartnerName};
use mend_store::{DatabaseKind, Store, database_kind};

use crate::support::{Sandbox, contains_bytes, database_bytes, open_store};

const PASSPHRASE: &str = "lantern harbour evening";

/// `mend couple add` for the invented couple whose names the tests look for in files.
const ADD_COUPLE: [&str; 12] = [
    "couple",
    "add",
    "--partner",
    "Ximena Quetzalcóatl",
    "--partner",
    "Yusuf Brightwater",
    "--breach",
    "affair",
    "--broke-trust",
    "Yusuf",
    "--label",
    "label-periwinkle-2291",
];

fn add_couple(sandbox: &Sandbox) -> String {
    let out = sandbox.ok(&ADD_COUPLE);
    out.split_whitespace().nth(2).expect("the couple's id").trim_end_matches(':').to_owned()
}

/// Adds Amara and Bea to a new practice whose key file is sealed by [`PASSPHRASE`].
fn add_couple_sealed(sandbox: &Sandbox) {
    let added = sandbox.mend_with_env(
        &["couple", "add", "--partner", "Amara", "--partner", "Bea", "--breach", "lies", "--broke-trust", "Amara"],
        &[("MEND_PASSPHRASE", PASSPHRASE)],
    );
    assert_eq!(added.code, Some(0), "{}", added.stderr);
}

fn kind(path: &Path) -> DatabaseKind {
    database_kind(path).expect("read the header")
}

fn key_file(sandbox: &Sandbox) -> std::path::PathBuf {
    sandbox.path("mend.key")
}

#[test]
fn a_new_practice_is_encrypted_and_its_key_file_is_private_and_beside_the_configuration() {
    let sandbox = Sandbox::new();
    let first = sandbox.mend(&ADD_COUPLE);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(first.stderr.contains("encrypted") && first.stderr.contains("mend key recovery"), "{}", first.stderr);
    assert_eq!(kind(&sandbox.db()), DatabaseKind::Encrypted);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(key_file(&sandbox)).expect("the key file").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let (main, wal) = database_bytes(&sandbox.db());
    for name in ["Ximena", "Brightwater"] {
        assert!(!contains_bytes(&main, name.as_bytes()), "{name} in the database");
        assert!(!wal.as_ref().is_some_and(|w| contains_bytes(w, name.as_bytes())), "{name} in the WAL");
    }
    let listed = sandbox.mend(&["couple", "list"]);
    assert!(listed.stdout.contains("Ximena Quetzalcóatl"), "{}", listed.stdout);
    assert!(listed.stderr.is_empty(), "no note the second time: {}", listed.stderr);
}

#[test]
fn a_passphrase_seals_the_key_and_a_wrong_or_missing_one_changes_nothing() {
    let sandbox = Sandbox::new();
    let with = [("MEND_PASSPHRASE", PASSPHRASE)];
    add_couple_sealed(&sandbox);
    let key_text = std::fs::read_to_string(key_file(&sandbox)).expect("the key file");
    assert!(key_text.contains("protection = \"passphrase\""), "{key_text}");
    let before = database_bytes(&sandbox.db());

    let missing = sandbox.fails(&["couple", "list"]);
    assert!(missing.contains("locked with a passphrase") && missing.contains("MEND_PASSPHRASE"), "{missing}");
    let wrong = sandbox.mend_with_env(&["couple", "list"], &[("MEND_PASSPHRASE", "lantern harbour morning")]);
    let wrong = wrong.clean_failure(&["couple", "list"]);
    assert!(wrong.contains("does not unlock") && wrong.contains("mend key restore"), "{wrong}");
    let wrong_write = sandbox.mend_with_env(
        &["couple", "add", "--partner", "C", "--partner", "D", "--breach", "lies", "--broke-trust", "C"],
        &[("MEND_PASSPHRASE", "not the passphrase")],
    );
    wrong_write.clean_failure(&["couple", "add"]);
    assert_eq!(database_bytes(&sandbox.db()), before, "a wrong passphrase changes nothing");
    assert_eq!(std::fs::read_to_string(key_file(&sandbox)).expect("the key file"), key_text);

    // A new passphrase rewraps the key only: the database is not touched.
    let changed =
        sandbox.mend_with_env(&["key", "passphrase"], &[with[0], ("MEND_NEW_PASSPHRASE", "seven new words here")]);
    assert_eq!(changed.code, Some(0), "{}", changed.stderr);
    assert_eq!(database_bytes(&sandbox.db()), before, "rewrapping leaves the database as it was");
    sandbox.mend_with_env(&["couple", "list"], &with).clean_failure(&["couple", "list"]);
    let listed = sandbox.mend_with_env(&["couple", "list"], &[("MEND_PASSPHRASE", "seven new words here")]);
    assert!(listed.stdout.contains("Amara"), "{listed:?}");
    let short = sandbox.mend_with_env(
        &["key", "passphrase"],
        &[("MEND_PASSPHRASE", "seven new words here"), ("MEND_NEW_PASSPHRASE", "short")],
    );
    assert!(short.clean_failure(&["key", "passphrase"]).contains("at least 8 characters"));
}

#[test]
fn the_audit_trail_of_an_encrypted_record_is_read_with_mend_audit() {
    let sandbox = Sandbox::new();
    let id = add_couple(&sandbox);
    assert_eq!(database_kind(&sandbox.db()).unwrap(), DatabaseKind::Encrypted);
    sandbox.ok(&["couple", "show", &id]);
    let text = sandbox.ok(&["audit"]);
    assert!(text.lines().any(|l| l.contains("couple added") && l.contains(&id)), "{text}");
    assert!(!text.contains("Ximena") && !text.contains("periwinkle"), "no names or labels: {text}");
    assert!(text.contains("The trail's chain holds"), "{text}");
    let listed: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["audit", "--couple", &id, "--format", "json"])).expect("JSON");
    assert_eq!(listed["chain_intact"], true, "{listed}");
    let listed = &listed["entries"];
    let actions: Vec<&str> = listed.as_array().expect("a list").iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"couple added") && actions.contains(&"couple viewed"), "{actions:?}");
    assert!(listed.as_array().unwrap().iter().all(|e| e["couple"] == id.as_str()), "{listed}");
    assert_eq!(sandbox.ok(&["audit", "--since", "2999-01-01"]).trim(), "No audit entries match.");
    // A deleted couple's entries are still found by its short id.
    sandbox.ok(&["couple", "delete", &id, "--yes"]);
    assert!(sandbox.ok(&["audit", "--couple", &id]).contains("couple deleted"));
}

#[test]
fn the_audit_trail_says_who_ran_each_command_and_shows_a_rewritten_row() {
    let sandbox = Sandbox::new();
    let as_ana = [("USER", "ana"), ("SUDO_USER", "")];
    let added = sandbox.mend_with_env(
        &["couple", "add", "--partner", "Ximena", "--partner", "Yusuf", "--breach", "lies", "--broke-trust", "Yusuf"],
        &as_ana,
    );
    assert_eq!(added.code, Some(0), "{added:?}");
    sandbox.mend_with_env(&["couple", "list"], &[("USER", "root"), ("SUDO_USER", "ana")]);
    sandbox.mend_with_env(&["couple", "show", "ximena"], &[("USER", "root"), ("SUDO_USER", "ana")]);
    let listed: serde_json::Value = serde_json::from_str(&sandbox.ok(&["audit", "--format", "json"])).expect("JSON");
    let users: Vec<&str> = listed["entries"].as_array().unwrap().iter().filter_map(|e| e["os_user"].as_str()).collect();
    assert!(users.contains(&"ana") && users.contains(&"root (sudo by ana)"), "{listed}");

    // Someone with the key rewrites what an entry says: the chain shows it.
    let key = mend_store::KeyFile::read(&sandbox.path("mend.key")).unwrap().unlock(None).unwrap();
    let db = rusqlite::Connection::open(sandbox.db()).unwrap();
    db.pragma_update(None, "key", key.pragma_value().as_str()).unwrap();
    db.execute("UPDATE audit_log SET action = 'couple listed' WHERE action = 'couple viewed'", []).unwrap();
    drop(db);
    let run = sandbox.mend(&["audit"]);
    assert_eq!(run.code, Some(1), "a broken chain fails the command");
    assert!(run.stderr.contains("chain breaks at entry"), "{}", run.stderr);
}

#[test]
fn config_show_says_how_the_key_is_protected() {
    let sandbox = Sandbox::new();
    assert!(sandbox.ok(&["config", "show"]).contains("does not exist yet"));
    add_couple(&sandbox);
    let shown = sandbox.ok(&["config", "show"]);
    assert!(
        shown.contains("not sealed by a passphrase") && shown.contains("mend key passphrase"),
        "the default key is readable by its owner beside the configuration: {shown}"
    );
    let sealed = sandbox.mend_with_env(&["key", "passphrase"], &[("MEND_NEW_PASSPHRASE", PASSPHRASE)]);
    assert_eq!(sealed.code, Some(0), "{}", sealed.stderr);
    let shown = sandbox.ok(&["config", "show"]);
    assert!(shown.contains("is encrypted; its key is sealed by a passphrase"), "{shown}");
    assert!(!shown.contains(PASSPHRASE), "nothing of the passphrase is shown");

    let plain = Sandbox::with_plain_record();
    assert!(plain.ok(&["config", "show"]).contains("not encrypted"), "a plain record is said to be plain");
}

#[test]
fn a_passphrase_file_named_in_the_configuration_unlocks_the_key_unattended() {
    let sandbox = Sandbox::new();
    let secret = sandbox.path("passphrase");
    std::fs::write(&secret, format!("{PASSPHRASE}\n")).expect("write the passphrase file");
    std::fs::write(sandbox.path("config.toml"), format!("passphrase_file = {:?}\n", secret.to_str().expect("UTF-8")))
        .expect("write the configuration");
    // Readable by others (as a plain write under the usual umask leaves it), it is refused, as an
    // unsealed key file is, before any record or key file is made.
    set_mode(&secret, 0o644);
    let exposed = sandbox.fails(&ADD_COUPLE);
    assert!(
        exposed.contains("passphrase file")
            && exposed.contains("may be read by others")
            && exposed.contains("chmod 600"),
        "{exposed}"
    );
    assert!(!key_file(&sandbox).exists() && !sandbox.db().exists(), "nothing was made with it");
    set_mode(&secret, 0o600);
    add_couple(&sandbox);
    assert!(std::fs::read_to_string(key_file(&sandbox)).expect("key file").contains("passphrase"));
    assert!(sandbox.ok(&["couple", "list"]).contains("Ximena"));
    // The same passphrase from the environment opens it too: the file held exactly that.
    let listed = sandbox.mend_with_env(&["couple", "list"], &[("MEND_PASSPHRASE", PASSPHRASE)]);
    assert!(listed.stdout.contains("Ximena"), "{listed:?}");
    // Opened up to the group later, it is refused again, with what to type.
    set_mode(&secret, 0o640);
    let exposed = sandbox.fails(&["couple", "list"]);
    assert!(exposed.contains("may be read by others") && exposed.contains("chmod 600"), "{exposed}");
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("change the file's mode");
}

#[test]
fn a_missing_key_file_or_another_practices_key_is_refused_in_one_line() {
    let sandbox = Sandbox::new();
    add_couple(&sandbox);
    let before = database_bytes(&sandbox.db());
    let kept = sandbox.path("kept.key");
    std::fs::rename(key_file(&sandbox), &kept).expect("move the key file away");
    let missing = sandbox.fails(&["couple", "list"]);
    assert!(
        missing.contains("key file") && missing.contains("is missing") && missing.contains("mend key restore"),
        "{missing}"
    );

    let other = Sandbox::new();
    add_couple(&other);
    std::fs::copy(key_file(&other), key_file(&sandbox)).expect("copy another practice's key");
    let wrong = sandbox.fails(&["couple", "list"]);
    assert!(wrong.contains("the key does not open") && wrong.contains("nothing was changed"), "{wrong}");
    assert_eq!(database_bytes(&sandbox.db()), before, "nothing was written");

    std::fs::rename(&kept, key_file(&sandbox)).expect("put the key file back");
    assert!(sandbox.ok(&["couple", "list"]).contains("Ximena"));
}

#[test]
fn recovery_words_open_the_record_and_restore_a_lost_key_file() {
    let sandbox = Sandbox::new();
    let with = [("MEND_PASSPHRASE", PASSPHRASE)];
    add_couple_sealed(&sandbox);
    let shown = sandbox.mend_with_env(&["key", "recovery"], &with);
    assert_eq!(shown.code, Some(0), "{}", shown.stderr);
    let words = shown.stdout.lines().nth(2).expect("the words on the third line").trim().to_owned();
    assert_eq!(words.split(' ').count(), 14, "{}", shown.stdout);

    // The passphrase is forgotten and the key file lost.
    std::fs::remove_file(key_file(&sandbox)).expect("lose the key file");
    let listed = sandbox.mend_with_env(&["couple", "list"], &[("MEND_RECOVERY_KEY", &words)]);
    assert!(listed.stdout.contains("Amara"), "{listed:?}");
    let mut typo = words.clone();
    typo.replace_range(0..1, if typo.starts_with('A') { "B" } else { "A" });
    let refused = sandbox.mend_with_env(&["key", "restore"], &[("MEND_RECOVERY_KEY", &typo)]);
    assert!(refused.clean_failure(&["key", "restore"]).contains("checksum"), "{refused:?}");
    assert!(!key_file(&sandbox).exists(), "a refused restore writes no key file");

    let restored = sandbox.mend_with_env(
        &["key", "restore"],
        &[("MEND_RECOVERY_KEY", &words), ("MEND_PASSPHRASE", "a brand new passphrase")],
    );
    assert_eq!(restored.code, Some(0), "{}", restored.stderr);
    let listed = sandbox.mend_with_env(&["couple", "list"], &[("MEND_PASSPHRASE", "a brand new passphrase")]);
    assert!(listed.stdout.contains("Amara"), "{listed:?}");

    // Words of another practice open nothing and write nothing.
    let other = Sandbox::new();
    add_couple(&other);
    let other_words = other.ok(&["key", "recovery"]).lines().nth(2).expect("words").trim().to_owned();
    let key_text = std::fs::read(key_file(&sandbox)).expect("key file");
    let wrong = sandbox.mend_with_env(&["key", "restore"], &[("MEND_RECOVERY_KEY", &other_words)]);
    assert!(wrong.clean_failure(&["key", "restore"]).contains("the key does not open"), "{wrong:?}");
    assert_eq!(std::fs::read(key_file(&sandbox)).expect("key file"), key_text);
}

#[test]
fn a_new_key_replaces_the_old_one_whose_recovery_words_then_open_nothing() {
    let sandbox = Sandbox::new();
    let id = add_couple(&sandbox);
    let old_words = sandbox.ok(&["key", "recovery"]).lines().nth(2).expect("words").trim().to_owned();
    let rotated = sandbox.ok(&["key", "rotate"]);
    assert!(rotated.contains("new key"), "{rotated}");
    assert!(!sandbox.path("mend.key.next").exists());
    assert!(sandbox.ok(&["couple", "show", &id]).contains("Ximena"));
    let new_words = sandbox.ok(&["key", "recovery"]).lines().nth(2).expect("words").trim().to_owned();
    assert_ne!(new_words, old_words);
    let old = sandbox.mend_with_env(&["couple", "list"], &[("MEND_RECOVERY_KEY", &old_words)]);
    assert!(old.clean_failure(&["couple", "list"]).contains("the key does not open"), "{old:?}");
}

#[test]
fn an_encrypted_practice_exports_sealed_for_the_passphrase_and_imports_it_back() {
    let sandbox = Sandbox::new();
    add_couple(&sandbox);
    let sealed = sandbox.path("practice.age");
    let sealed_arg = sealed.to_str().expect("UTF-8");
    // With no passphrase anywhere, the export is refused rather than written plain.
    let refused = sandbox.fails(&["export", "-o", sealed_arg]);
    assert!(refused.contains("--plaintext") && refused.contains("MEND_PASSPHRASE"), "{refused}");
    assert!(!sealed.exists());

    let with = [("MEND_PASSPHRASE", PASSPHRASE)];
    let run = sandbox.mend_with_env(&["export", "-o", sealed_arg], &with);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let bytes = std::fs::read(&sealed).expect("the export");
    assert!(bytes.starts_with(b"age-encryption.org/v1\n"));
    for secret in ["Ximena", "Brightwater", "label-periwinkle-2291"] {
        assert!(!contains_bytes(&bytes, secret.as_bytes()), "{secret} readable in the sealed export");
    }
    let fresh = sandbox.path("fresh.db");
    let fresh = fresh.to_str().expect("UTF-8");
    let no_pass = sandbox.fails(&["--db", fresh, "import", sealed_arg]);
    assert!(no_pass.contains("sealed with a passphrase"), "{no_pass}");
    let wrong = sandbox.mend_with_env(&["--db", fresh, "import", sealed_arg], &[("MEND_PASSPHRASE", "not it at all")]);
    assert!(wrong.clean_failure(&["import"]).contains("does not open this encrypted export"), "{wrong:?}");
    let imported = sandbox.mend_with_env(&["--db", fresh, "import", sealed_arg], &with);
    assert_eq!(imported.code, Some(0), "{}", imported.stderr);
    assert!(sandbox.ok(&["--db", fresh, "couple", "list"]).contains("Ximena"));

    let plain = sandbox.path("practice.json");
    let run = sandbox.mend(&["export", "--plaintext", "-o", plain.to_str().expect("UTF-8")]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("--plaintext") && run.stderr.contains("anyone"), "a warning: {}", run.stderr);
    assert!(std::fs::read_to_string(&plain).expect("plain export").contains("Ximena"));
}

/// A plain record as an older mend made it: `couples` couples, written through the store.
fn plain_record(db: &Path, couples: usize) {
    let mut store = Store::open(db).expect("create a plain record");
    for i in 0..couples {
        let names = [format!("Partner {i} Ximena"), format!("Partner {i} Yusuf")]
            .map(|n| PartnerName::parse(&n).expect("a valid name"));
        let couple = NewCouple::new(names, &BrokeTrust::Both, BreachKind::Lies, Some(format!("note-{i}")))
            .expect("a valid couple");
        store.add_couple(&couple, time::OffsetDateTime::now_utc()).expect("add a couple");
    }
}

#[test]
fn a_plain_record_keeps_working_is_told_once_and_is_encrypted_in_place() {
    let sandbox = Sandbox::new();
    plain_record(&sandbox.db(), 3);
    let first = sandbox.mend(&["couple", "list"]);
    assert_eq!(first.code, Some(0), "{}", first.stderr);
    assert!(first.stderr.contains("not encrypted") && first.stderr.contains("mend encrypt"), "{}", first.stderr);
    let second = sandbox.mend(&["couple", "list"]);
    assert!(second.stderr.is_empty(), "told once: {}", second.stderr);
    assert_eq!(second.stdout, first.stdout);
    assert_eq!(kind(&sandbox.db()), DatabaseKind::Plain);

    let done = sandbox.ok(&["encrypt"]);
    assert!(done.contains("3 couples") && done.contains("mend key recovery"), "{done}");
    assert_eq!(kind(&sandbox.db()), DatabaseKind::Encrypted);
    let (main, wal) = database_bytes(&sandbox.db());
    assert!(!contains_bytes(&main, b"Ximena") && !wal.is_some_and(|w| contains_bytes(&w, b"Ximena")));
    assert_eq!(sandbox.ok(&["couple", "list"]), first.stdout, "the same couples, now encrypted");
    assert!(sandbox.ok(&["encrypt"]).contains("already encrypted"));
    assert_eq!(
        open_store(&sandbox.db()).audit_log().expect("audit").last().expect("entry").action,
        "database encrypted"
    );
}

#[test]
fn mend_encrypt_refuses_while_the_record_is_open_elsewhere() {
    let sandbox = Sandbox::new();
    plain_record(&sandbox.db(), 1);
    let server = Store::open_existing(&sandbox.db()).expect("a second connection, as the server keeps");
    drop(server.couples().expect("read once, as the server does at start"));
    let message = sandbox.fails(&["encrypt"]);
    assert!(message.contains("open in another process") && message.contains("stop `mend serve`"), "{message}");
    assert_eq!(kind(&sandbox.db()), DatabaseKind::Plain);
    drop(server);
    sandbox.ok(&["encrypt"]);
}

/// A small, repeatable sequence of delays for the kills (a linear congruential generator),
/// seeded from the clock and printed, so a failure can be replayed.
struct Delays(u64);

impl Delays {
    fn next_below(&mut self, limit: Duration) -> Duration {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let micros = u64::try_from(limit.as_micros()).unwrap_or(u64::MAX).max(1);
        Duration::from_micros((self.0 >> 33) % micros)
    }
}

#[test]
fn mend_encrypt_killed_at_random_points_leaves_a_record_that_opens_with_nothing_lost() {
    const COUPLES: usize = 300;
    const KILLS: usize = 12;
    let sandbox = Sandbox::new();
    let original = sandbox.path("original.db");
    plain_record(&original, COUPLES);

    let copy_in = || {
        for suffix in ["", "-wal", "-shm", "-journal", ".rewriting", ".rewriting-journal"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", sandbox.db().display()));
        }
        let _ = std::fs::remove_file(key_file(&sandbox));
        std::fs::copy(&original, sandbox.db()).expect("copy the plain record in");
        // The record is its file and its kept write-ahead log together.
        let log = format!("{}-wal", original.display());
        if Path::new(&log).exists() {
            std::fs::copy(&log, format!("{}-wal", sandbox.db().display())).expect("copy the log in");
        }
    };
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_mend"))
            .arg("encrypt")
            .env("MEND_DB", sandbox.db())
            .env("MEND_CONFIG", sandbox.path("config.toml"))
            .env("HOME", sandbox.path("home"))
            .env_remove("MEND_PASSPHRASE")
            .env_remove("MEND_RECOVERY_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start mend encrypt")
    };
    // How long a whole run takes here, so the kills land across all of it.
    copy_in();
    let started = Instant::now();
    assert!(spawn().wait().expect("wait").success());
    let whole = started.elapsed();

    let seed = u64::from(std::process::id()) ^ u64::try_from(started.elapsed().as_nanos()).unwrap_or(7);
    let mut delays = Delays(seed);
    let mut seen = [0usize; 2];
    for round in 0..KILLS {
        copy_in();
        let mut child = spawn();
        std::thread::sleep(delays.next_below(whole + whole / 4));
        let _ = child.kill();
        let _ = child.wait();
        let state = kind(&sandbox.db());
        seen[usize::from(state == DatabaseKind::Encrypted)] += 1;
        assert!(
            matches!(state, DatabaseKind::Plain | DatabaseKind::Encrypted),
            "round {round} (seed {seed}): the record is {state:?}"
        );
        let store = open_store(&sandbox.db());
        assert_eq!(store.couples().expect("list").len(), COUPLES, "round {round} (seed {seed}) lost couples");
        drop(store);
        // And a second run finishes the job from wherever the first stopped.
        let again = sandbox.ok(&["encrypt"]);
        assert!(again.contains("ncrypted"), "{again}");
        assert_eq!(kind(&sandbox.db()), DatabaseKind::Encrypted);
        assert_eq!(open_store(&sandbox.db()).couples().expect("list").len(), COUPLES);
    }
    eprintln!("seed {seed}: {} kills left the record plain, {} encrypted (a whole run: {whole:?})", seen[0], seen[1]);
}

#[test]
fn key_commands_on_a_plain_record_say_to_encrypt_it_first() {
    let sandbox = Sandbox::with_plain_record();
    for command in [&["key", "passphrase"][..], &["key", "rotate"], &["key", "recovery"]] {
        let message = sandbox.fails(command);
        assert!(message.contains("is not encrypted") && message.contains("mend encrypt"), "{message}");
    }
    assert_eq!(kind(&sandbox.db()), DatabaseKind::Plain);
    assert!(!key_file(&sandbox).exists());
}
