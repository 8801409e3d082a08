//! Measures the intake server against two baselines built into this same binary: an axum route
//! that returns a fixed page, and an axum route that inserts one row into SQLite with the same
//! durability as the relay (WAL, `synchronous=FULL`). It then times `mend sync`: the therapist's
//! side taking 1,000 sealed answers from the relay into the practice record.
//!
//! ```text
//! cargo build --release -p mend-intake --examples
//! target/release/examples/bench [--seconds 4] [--rounds 3] [--questionnaire FILE.toml] [--encrypted] [--checkin]
//! ```
//!
//! As in use, the links are made in a practice record (a mend-store `Store`) and pushed through
//! mend-sync to the relay folder beside it, which the server serves; the server never opens the
//! record. The stored counts come from taking the sent forms into the record (`Practice::sync`),
//! so a run counts only what the therapist would actually receive.
//!
//! `--checkin` measures the between-sessions check-in (`/c/{token}`, the embedded program's
//! check-in questionnaire) instead of the intake, against the same two baselines.
//!
//! `--encrypted` keeps the practice record encrypted with SQLCipher, as `mend` does for a
//! practice. It affects only the record's side (making links and the sync figure): the relay's
//! own file is always plain SQLite, since what it holds is sealed (names and drafts by each link's
//! key, answers to the practice's public key), so the server does the same work either way. The
//! baselines stay plain.
//!
//! It needs `oha` (`cargo install oha`) and `wrk` (`apt-get install wrk`) on the PATH (or oha in
//! `~/.cargo/bin`), and the `serve` example next to it for the memory measurement. Everything runs
//! on 127.0.0.1, with the load generator sharing the machine's cores with the server, so compare
//! the ratios rather than the absolute numbers.

#[path = "support/program.rs"]
mod program;

use std::error::Error;
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use mend_core::{BreachKind, PartnerName};
use mend_core::{BrokeTrust, NewCouple};
use mend_intake::{Application, Config, RateLimit};
use mend_relay::{LinkDetails, LinkKind};
use mend_store::{CheckinAsks, DataKey, LinkRequest, Store};
use mend_sync::{NewLink, Practice, SyncReport};
use time::OffsetDateTime;

type BenchResult<T> = Result<T, Box<dyn Error>>;

/// Concurrent connections for the throughput runs.
const CONNECTIONS: u32 = 32;
/// The rate of the latency runs.
const FIXED_RATE: u32 = 200;
/// How long each latency run lasts.
const LATENCY_SECONDS: u32 = 10;
/// How many sealed answers the timed sync takes in: one batch of `mend sync`.
const SYNC_ANSWERS: usize = 1000;
/// How many links the record makes, and pushes to the relay, with one commit of each.
const LINKS_PER_PUSH: usize = 500;

/// Runs the benchmark and reports a failure on stderr.
fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bench: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What the command line asked for.
struct Options {
    seconds: u32,
    rounds: usize,
    questionnaire: Option<PathBuf>,
    encrypted: bool,
    checkin: bool,
}

/// Reads the command line.
fn options() -> BenchResult<Options> {
    let mut options = Options { seconds: 4, rounds: 3, questionnaire: None, encrypted: false, checkin: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => options.seconds = args.next().ok_or("--seconds needs a number")?.parse()?,
            "--rounds" => options.rounds = args.next().ok_or("--rounds needs a number")?.parse::<usize>()?.max(1),
            "--questionnaire" => {
                options.questionnaire = Some(PathBuf::from(args.next().ok_or("--questionnaire needs a file")?))
            }
            "--encrypted" => options.encrypted = true,
            "--checkin" => options.checkin = true,
            other => return Err(format!("unexpected argument {other:?}").into()),
        }
    }
    Ok(options)
}

/// Every measurement, in order, then the figures against their targets.
fn run() -> BenchResult<()> {
    let options = options()?;
    let oha = find_tool("oha")?;
    let wrk = find_tool("wrk")?;
    let program = program::load(options.questionnaire.as_deref())?;
    let form = if options.checkin {
        let checkin = program.checkin.clone().ok_or("--checkin needs the embedded program, which has a check-in")?;
        Form { questionnaire: checkin, kind: LinkKind::Checkin }
    } else {
        Form { questionnaire: program.questionnaire.clone(), kind: LinkKind::Intake }
    };
    // On the real disk, next to the build, so that fsync costs what it costs in use.
    let dir = tempfile::Builder::new().prefix("mend-bench-").tempdir_in(target_dir())?;
    let db = dir.path().join("mend.sqlite3");
    let relay = mend_sync::default_folder(&db);
    let baseline_db = dir.path().join("baseline.sqlite3");

    let key = options.encrypted.then(DataKey::generate);
    println!(
        "the practice record: {}; the relay the server uses: plain SQLite, its contents sealed",
        if key.is_some() { "encrypted (SQLCipher)" } else { "plain SQLite" }
    );

    // The record joins the relay folder before the server opens it, so that the two never race
    // to make the relay's new file (the relay copes by trying again, but no figure should
    // include that).
    let mut seeder = Seeder::new(&db, &relay, &form, key.as_ref())?;
    let runtime = tokio::runtime::Runtime::new()?;
    let app = runtime.block_on(Application::build(app_config(&relay), "127.0.0.1:0".parse()?))?;
    let app_addr = app.local_addr();
    runtime.spawn(app.run_until_stopped());

    let form_path = seeder.invite(1)?.remove(0);
    let form_url = format!("http://{app_addr}{form_path}");
    let page = ureq_agent().get(&form_url).call()?.body_mut().read_to_string()?;
    println!(
        "form page: {} bytes, questionnaire {:?} with {} questions",
        page.len(),
        form.questionnaire.id,
        form.questionnaire.questions().count()
    );

    let fixed_addr = runtime.block_on(serve_fixed_page(page.clone()))?;
    let insert_addr = runtime.block_on(serve_bare_insert(&baseline_db))?;

    // The machine may be shared, so each comparison alternates its two sides over several
    // rounds and takes the median of the per-round ratios.
    let seconds = options.seconds.to_string() + "s";
    let connections = CONNECTIONS.to_string();
    let rounds = options.rounds;
    println!("\n== GET throughput ({CONNECTIONS} connections, {seconds} per run, oha, {rounds} rounds) ==");
    let mut get_ratios = Vec::new();
    for round in 1..=rounds {
        let fixed = oha_run(&oha, &format!("http://{fixed_addr}/page"), &["-c", &connections, "-z", &seconds])?;
        let page = oha_run(&oha, &form_url, &["-c", &connections, "-z", &seconds])?;
        println!(
            "round {round}: fixed page {:>7.0} req/s (p99 {:>5.2} ms)   GET {}{{token}} {:>7.0} req/s (p99 {:>5.2} ms)   ratio {:.2}",
            fixed.rate,
            fixed.p99_ms,
            form.kind.path(),
            page.rate,
            page.p99_ms,
            page.rate / fixed.rate
        );
        get_ratios.push(page.rate / fixed.rate);
    }
    let get_ratio = median(&mut get_ratios);

    let sample_path = seeder.invite(1)?.remove(0);
    let submission = sample_submission(&form.questionnaire, &format!("http://{app_addr}{sample_path}"))?;
    println!("\n== POST throughput ({CONNECTIONS} connections, {seconds} per run, wrk, {rounds} rounds) ==");
    let probe = wrk_fixed_body(&wrk, &format!("http://{insert_addr}/insert"), &submission.body, 2, dir.path())?;
    // Every submission needs its own invitation: enough for twelve times the bare insert rate,
    // since forms committed in groups can be stored much faster than rows inserted one by one
    // (ten times as fast was measured on a loaded machine, where each sync of the bare insert
    // waited longest).
    // Check-ins are stored one by one, not in groups: three times the bare insert rate is ample.
    let headroom = if options.checkin { 3.0 } else { 12.0 };
    let needed = (probe.rate * f64::from(options.seconds) * headroom) as usize * rounds + 500;
    let started = Instant::now();
    let tokens = seeder.invite(needed)?;
    let seeded = started.elapsed().as_secs_f64();
    let signed = sign_links(&app_addr, &tokens)?;
    println!(
        "(seeded {needed} invitations in {seeded:.1}s and opened them in {:.1}s)",
        started.elapsed().as_secs_f64() - seeded
    );
    let mut post_ratios = Vec::new();
    let mut unused = signed.as_slice();
    for round in 1..=rounds {
        let insert = wrk_fixed_body(
            &wrk,
            &format!("http://{insert_addr}/insert"),
            &submission.body,
            options.seconds,
            dir.path(),
        )?;
        // Taking in what waits (the sample, an earlier round) first, so the count after the
        // round is this round's alone; the sync itself is outside the timed run.
        seeder.take_in()?;
        let before = seeder.responses()?;
        let batch = &unused[..unused.len() / (rounds - round + 1)];
        unused = &unused[batch.len()..];
        let submitted =
            wrk_submissions(&wrk, &format!("http://{app_addr}"), batch, &submission, options.seconds, dir.path())?;
        seeder.take_in()?;
        let stored = seeder.responses()? - before;
        println!(
            "round {round}: bare insert {:>6.0} req/s (p99 {:>6.2} ms)   submissions {:>6.0} req/s (p99 {:>6.2} ms, {stored} stored)   ratio {:.2}",
            insert.rate,
            insert.p99_ms,
            submitted.rate,
            submitted.p99_ms,
            submitted.rate / insert.rate
        );
        if stored == 0 || submitted.errors > 0 {
            return Err(
                format!("{} submissions were not answered with 303: seed more invitations", submitted.errors).into()
            );
        }
        post_ratios.push(submitted.rate / insert.rate);
    }
    let post_ratio = median(&mut post_ratios);

    println!("\n== Latency at {FIXED_RATE} req/s for {LATENCY_SECONDS}s ==");
    let get_latency = oha_run(
        &oha,
        &form_url,
        &["-c", "16", "-q", &FIXED_RATE.to_string(), "-z", &format!("{LATENCY_SECONDS}s"), "--latency-correction"],
    )?;
    println!(
        "GET {}{{token}}  p50 {:>6.2} ms  p99 {:>6.2} ms  (oha, corrected for coordinated omission)",
        form.kind.path(),
        get_latency.p50_ms,
        get_latency.p99_ms
    );
    let latency_tokens = seeder.invite((FIXED_RATE * LATENCY_SECONDS) as usize)?;
    let latency_signed = sign_links(&app_addr, &latency_tokens)?;
    let post_latency = open_loop_submissions(&format!("http://{app_addr}"), &latency_signed, &submission, FIXED_RATE)?;
    println!(
        "submissions     p50 {:>6.2} ms  p99 {:>6.2} ms  (open loop, from each request's scheduled time)",
        post_latency.p50_ms, post_latency.p99_ms
    );

    println!("\n== mend sync: taking {SYNC_ANSWERS} sealed answers into the record ==");
    let sync_seconds = measure_sync(&app_addr, &mut seeder, &submission)?;
    println!(
        "took in {SYNC_ANSWERS} answers in {sync_seconds:.2} s ({:.0} a second, record {})",
        SYNC_ANSWERS as f64 / sync_seconds,
        if key.is_some() { "encrypted" } else { "plain" }
    );

    println!("\n== Memory of a separate server process (serve example) under load ==");
    let memory = measure_memory(&oha, &relay, &mut seeder, &submission)?;
    println!("VmRSS after load {:.1} MB, peak VmHWM {:.1} MB", memory.rss_mb, memory.peak_mb);

    println!("\n== Against the targets ==");
    report("GET form vs fixed page (median ratio)", get_ratio, ">= 0.5x", get_ratio >= 0.5);
    report("submission vs bare insert (median ratio)", post_ratio, ">= 0.8x", post_ratio >= 0.8);
    let p99 = get_latency.p99_ms.max(post_latency.p99_ms);
    report("p99 at 200 req/s (ms, worst of GET and POST)", p99, "< 10 ms", p99 < 10.0);
    report("server RSS (MB, peak)", memory.peak_mb, "< 30 MB", memory.peak_mb < 30.0);
    report("mend sync of 1,000 sealed answers (s)", sync_seconds, "< 2 s", sync_seconds < 2.0);
    Ok(())
}

/// The median, taken from the sorted values (the upper one of an even count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Prints one figure against its target.
fn report(what: &str, value: f64, target: &str, met: bool) {
    println!("{what:<46} {value:>8.2}  target {target:<9} {}", if met { "met" } else { "NOT MET" });
}

/// The server's settings: the relay folder, and a limiter that never stands in the way.
fn app_config(relay: &Path) -> Config {
    // The load comes from one address; the limiter only counts failed links, which the
    // benchmark never makes, but keep it out of the way regardless.
    Config { rate_limit: RateLimit { burst: 1_000_000, per_second: 1_000_000.0 }, ..Config::new(relay.to_owned()) }
}

/// The build's target folder (the bench runs from `target/<profile>/examples`), on the disk
/// the build uses.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap_or_default();
    exe.ancestors().nth(3).map_or_else(std::env::temp_dir, Path::to_path_buf)
}

/// A load generator on the PATH or in `~/.cargo/bin`.
fn find_tool(name: &str) -> BenchResult<PathBuf> {
    let mut places: Vec<PathBuf> =
        std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect()).unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        places.push(PathBuf::from(home).join(".cargo/bin"));
    }
    places
        .into_iter()
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| format!("{name} is not installed: `cargo install oha` / `apt-get install wrk`").into())
}

/// A blocking client that never follows redirects and returns every status as a reply.
fn ureq_agent() -> ureq::Agent {
    ureq::Agent::config_builder().max_redirects(0).http_status_as_error(false).build().into()
}

/// The baseline for reading: an axum route that returns the same bytes as the form page, shared
/// between responses rather than copied for each.
async fn serve_fixed_page(page: String) -> BenchResult<SocketAddr> {
    let page = Bytes::from(page);
    let router = Router::new().route(
        "/page",
        get(move || {
            let page = page.clone();
            async move { Html(page) }
        }),
    );
    serve(router).await
}

/// The baseline for writing: an axum route that stores the posted body as one row, on the
/// blocking pool, in a WAL database with `synchronous=FULL`, as the relay does.
async fn serve_bare_insert(path: &Path) -> BenchResult<SocketAddr> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL, at TEXT NOT NULL)", [])?;
    let conn = Arc::new(Mutex::new(conn));
    let router = Router::new().route("/insert", post(insert_row)).with_state(conn);
    serve(router).await
}

/// Inserts one posted body and answers as a sent form is answered, with a 303.
async fn insert_row(State(conn): State<Arc<Mutex<rusqlite::Connection>>>, body: Bytes) -> Response {
    let inserted = tokio::task::spawn_blocking(move || {
        let conn = conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let at = OffsetDateTime::now_utc().unix_timestamp().to_string();
        conn.execute("INSERT INTO rows (body, at) VALUES (?1, ?2)", (String::from_utf8_lossy(&body), at))
    })
    .await;
    match inserted {
        Ok(Ok(_)) => (StatusCode::SEE_OTHER, [(header::LOCATION, "/done")]).into_response(),
        _ => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// Serves `router` on a free port of 127.0.0.1, in the background.
async fn serve(router: Router) -> BenchResult<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, router).await });
    Ok(addr)
}

/// The form being measured: the questionnaire and the kind of link that serves it.
struct Form {
    questionnaire: mend_core::Questionnaire,
    /// Intake links (`/i/`) or check-in links (`/c/`).
    kind: LinkKind,
}

/// Plays the therapist's mend: makes couples and links in the practice record, pushes the links
/// to the relay, and takes the sent forms in.
struct Seeder {
    store: Store,
    /// The record's membership of the relay: its number there and the key that opens answers.
    practice: Practice,
    /// The record's file opened directly, to count what was taken in with one query.
    counter: rusqlite::Connection,
    questionnaire: mend_core::Questionnaire,
    kind: LinkKind,
    made: usize,
}

impl Seeder {
    /// Opens (makes) the record at `db`, encrypted with `key` if given, and joins it to the
    /// relay in `relay`.
    fn new(db: &Path, relay: &Path, form: &Form, key: Option<&DataKey>) -> BenchResult<Self> {
        let mut store = Store::open_keyed(db, key)?;
        let practice = Practice::of_record_or_join(&mut store, relay, OffsetDateTime::now_utc())?;
        let counter = rusqlite::Connection::open(db)?;
        if let Some(key) = key {
            counter.pragma_update(None, "key", key.pragma_value().as_str())?;
        }
        Ok(Self { store, practice, counter, questionnaire: form.questionnaire.clone(), kind: form.kind, made: 0 })
    }

    /// The paths of `count` fresh links, two per couple (a partner's new link retires their old
    /// one). Check-in links ask about no homework, as after a session that gave none. The links
    /// are made and pushed [`LINKS_PER_PUSH`] at a time: a run can need a hundred thousand, and
    /// a push per couple would spend the seeding on the relay's and the record's commits.
    fn invite(&mut self, count: usize) -> BenchResult<Vec<String>> {
        let now = OffsetDateTime::now_utc();
        let expires_at = now + time::Duration::days(2);
        let asks = CheckinAsks::default();
        let checkin = (self.kind == LinkKind::Checkin).then_some(&asks);
        let mut tokens = Vec::with_capacity(count);
        while tokens.len() < count {
            let mut partners = Vec::new();
            while partners.len() < LINKS_PER_PUSH.min(count - tokens.len()) {
                self.made += 1;
                let couple = self.store.add_couple(
                    &NewCouple::new(
                        [
                            PartnerName::parse(&format!("Zoë {}", self.made))?,
                            PartnerName::parse(&format!("José {}", self.made))?,
                        ],
                        &BrokeTrust::Named(format!("José {}", self.made)),
                        BreachKind::Affair,
                        None,
                    )?,
                    now,
                )?;
                partners.extend(couple.partners.iter().map(|p| (p.id, p.name.to_string())));
            }
            partners.truncate(LINKS_PER_PUSH.min(count - tokens.len()));
            let links: Vec<NewLink<'_>> = partners
                .into_iter()
                .map(|(partner, name)| NewLink {
                    request: LinkRequest { partner, questionnaire: &self.questionnaire, checkin, expires_at },
                    details: LinkDetails { partner_name: Some(name), ..LinkDetails::default() },
                })
                .collect();
            for made in self.practice.make_links(&mut self.store, &links, None, now)? {
                // The load generator only ever needs the link's text.
                tokens.push(format!("{}{}", self.kind.path(), made.token.expose()));
            }
        }
        Ok(tokens)
    }

    /// Takes every form waiting on the relay into the record, as `mend sync` does; a form left
    /// behind would make the counts wrong, so it is an error here.
    fn take_in(&mut self) -> BenchResult<SyncReport> {
        let report = self.practice.sync(&mut self.store, OffsetDateTime::now_utc())?;
        if report.left > 0 || report.already > 0 {
            return Err(format!("the sync did not take every form in once: {report:?}").into());
        }
        Ok(report)
    }

    /// How many forms of the kind measured the record holds.
    fn responses(&self) -> BenchResult<usize> {
        let checkins = "r.invitation_id IN (SELECT invitation_id FROM checkin_links)";
        let kind = if self.kind == LinkKind::Checkin { checkins.to_owned() } else { format!("NOT {checkins}") };
        let sql = format!("SELECT count(*) FROM intake_responses r WHERE {kind}");
        let count: i64 = self.counter.query_row(&sql, [], |row| row.get(0))?;
        Ok(usize::try_from(count)?)
    }
}

/// A complete answer set for the questionnaire, without the control fields.
struct Submission {
    body: String,
}

/// Builds a complete answer set (the first option, the lowest number or a short text for every
/// question) and checks once, spending the invitation at `form_url`, that the server accepts it.
fn sample_submission(questionnaire: &mend_core::Questionnaire, form_url: &str) -> BenchResult<Submission> {
    use mend_core::questionnaire::QuestionKind;
    let mut fields: Vec<(String, String)> = Vec::new();
    for question in questionnaire.questions() {
        let value = match question.kind {
            QuestionKind::YesNo => "no".to_owned(),
            QuestionKind::Single | QuestionKind::Multiple => question.options[0].value.clone(),
            QuestionKind::Scale => question.min.unwrap_or(0).to_string(),
            QuestionKind::ShortText => "Zoë Núñez".to_owned(),
            QuestionKind::LongText => {
                "A few lines about what matters most to me right now, written with care.".to_owned()
            }
            QuestionKind::Date => "2024-03-17".to_owned(),
            QuestionKind::Consent => "yes".to_owned(),
        };
        fields.push((question.id.clone(), value));
    }
    let body = fields.iter().map(|(n, v)| format!("{}={}", encode(n), encode(v))).collect::<Vec<_>>().join("&");
    let page = ureq_agent().get(form_url).call()?.body_mut().read_to_string()?;
    let csrf = csrf_of(&page).ok_or("the form page has no _csrf field")?;
    let reply = ureq_agent()
        .post(form_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .send(format!("_csrf={csrf}&_action=send&{body}"))?;
    if reply.status() != 303 {
        return Err(format!("the sample answers were refused with {}", reply.status()).into());
    }
    Ok(Submission { body })
}

/// The hidden `_csrf` value of a form page.
fn csrf_of(page: &str) -> Option<String> {
    let start = page.find("name=\"_csrf\" value=\"")? + 20;
    let end = page[start..].find('"')? + start;
    Some(page[start..end].to_owned())
}

/// Urlencodes a field's name or value as a browser does.
fn encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(char::from(byte)),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// One prepared submission: the link's path and the form value its page carried.
#[derive(Clone)]
struct Signed {
    path: String,
    csrf: String,
}

impl Signed {
    /// The whole body to post: the control fields, then the answers.
    fn body(&self, submission: &Submission) -> String {
        format!("_csrf={}&_action=send&{}", self.csrf, submission.body)
    }
}

/// Opens each link as a browser would, before the timed run, to get its form value; on a few
/// threads, since a run can need a hundred thousand links.
fn sign_links(addr: &SocketAddr, paths: &[String]) -> BenchResult<Vec<Signed>> {
    let sign = |chunk: &[String]| -> Result<Vec<Signed>, String> {
        let agent = ureq_agent();
        chunk
            .iter()
            .map(|path| {
                let path = path.clone();
                let mut reply = agent.get(&format!("http://{addr}{path}")).call().map_err(|e| e.to_string())?;
                let page = reply.body_mut().read_to_string().map_err(|e| e.to_string())?;
                let csrf = csrf_of(&page).ok_or("a form page has no _csrf field")?;
                Ok(Signed { path, csrf })
            })
            .collect()
    };
    let chunk = paths.len().div_ceil(4).max(1);
    let signed: Vec<Result<Vec<Signed>, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = paths.chunks(chunk).map(|part| scope.spawn(move || sign(part))).collect();
        workers.into_iter().map(|worker| worker.join().unwrap_or_else(|_| Err("a thread panicked".into()))).collect()
    });
    let mut all = Vec::with_capacity(paths.len());
    for part in signed {
        all.extend(part?);
    }
    Ok(all)
}

/// What one load run measured.
struct Run {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

/// One oha run, which must see only 200s.
fn oha_run(oha: &Path, url: &str, args: &[&str]) -> BenchResult<Run> {
    let output = Command::new(oha).args(args).args(["--no-tui", "--output-format", "json", url]).output()?;
    if !output.status.success() {
        return Err(format!("oha failed: {}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let json: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    let number = |pointer: &str| json.pointer(pointer).and_then(serde_json::Value::as_f64).unwrap_or(f64::NAN);
    let statuses =
        json.pointer("/statusCodeDistribution").and_then(serde_json::Value::as_object).cloned().unwrap_or_default();
    let errors = statuses.iter().filter(|(code, _)| code.as_str() != "200").filter_map(|(_, n)| n.as_u64()).sum();
    if errors > 0 {
        return Err(format!("oha saw non-200 answers from {url}: {statuses:?}").into());
    }
    Ok(Run {
        rate: number("/metrics/requests_per_sec"),
        p50_ms: number("/metrics/latency_ms/p50"),
        p99_ms: number("/metrics/latency_ms/p99"),
        errors,
    })
}

/// wrk with every request posting the same body.
fn wrk_fixed_body(wrk: &Path, url: &str, body: &str, seconds: u32, dir: &Path) -> BenchResult<Run> {
    let script = dir.join("fixed.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = {body:?}\nwrk.headers[\"Content-Type\"] = \"application/x-www-form-urlencoded\"\n"
        ),
    )?;
    wrk_run(wrk, url, &script, seconds)
}

/// wrk with each request posting one signed submission, each token once across all threads.
/// The data file holds only paths and form values (the answers are the same for all), so that
/// wrk's threads read it in a moment: that reading counts in wrk's timed window.
fn wrk_submissions(
    wrk: &Path,
    base: &str,
    signed: &[Signed],
    submission: &Submission,
    seconds: u32,
    dir: &Path,
) -> BenchResult<Run> {
    let data = dir.join("submissions.txt");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&data)?);
    for one in signed {
        writeln!(file, "{} {}", one.path, one.csrf)?;
    }
    file.flush()?;
    let script = dir.join("submissions.lua");
    let lua = SUBMISSIONS_LUA
        .replace("DATA_FILE", &data.display().to_string())
        .replace("ANSWERS", &format!("{:?}", submission.body));
    std::fs::write(&script, lua)?;
    wrk_run(wrk, base, &script, seconds)
}

/// Each wrk thread takes every second line of the data file, so no token is posted twice; a
/// thread that runs out posts to a path that answers 404, which the run then reports.
const SUBMISSIONS_LUA: &str = r#"
local answers = ANSWERS
local threads = 0
function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end
function init(args)
  paths, values = {}, {}
  local n = 0
  for line in io.lines("DATA_FILE") do
    if n % 2 == id then
      local space = line:find(" ")
      table.insert(paths, line:sub(1, space - 1))
      table.insert(values, line:sub(space + 1))
    end
    n = n + 1
  end
  next_index = 0
end
function request()
  next_index = next_index + 1
  if next_index > #paths then
    return wrk.format("GET", "/exhausted")
  end
  local body = "_csrf=" .. values[next_index] .. "&_action=send&" .. answers
  return wrk.format("POST", paths[next_index], { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
"#;

/// One wrk run with a Lua script, read back from wrk's text report.
fn wrk_run(wrk: &Path, url: &str, script: &Path, seconds: u32) -> BenchResult<Run> {
    let output = Command::new(wrk)
        .args(["-t2", &format!("-c{CONNECTIONS}"), &format!("-d{seconds}s"), "--latency", "-s"])
        .arg(script)
        .arg(url)
        .output()?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!("wrk failed: {text}{}", String::from_utf8_lossy(&output.stderr)).into());
    }
    let value_after = |label: &str| -> Option<String> {
        text.lines().find_map(|line| line.trim().strip_prefix(label).map(|rest| rest.trim().to_owned()))
    };
    let rate = value_after("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no rate in wrk output:\n{text}"))?;
    let p50_ms = value_after("50%").map_or(f64::NAN, |v| wrk_ms(&v));
    let p99_ms = value_after("99%").map_or(f64::NAN, |v| wrk_ms(&v));
    let errors = value_after("Non-2xx or 3xx responses:").and_then(|v| v.parse().ok()).unwrap_or(0);
    Ok(Run { rate, p50_ms, p99_ms, errors })
}

/// wrk prints latencies as `812.00us`, `3.21ms` or `1.02s`.
fn wrk_ms(value: &str) -> f64 {
    let split = value.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(value.len());
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => number / 1000.0,
        "ms" => number,
        "s" => number * 1000.0,
        "m" => number * 60_000.0,
        _ => f64::NAN,
    }
}

/// Posts each body at its scheduled time, `rate` a second, and measures each from its scheduled
/// time to its answer, so a slow answer also counts against the requests queued behind it.
fn open_loop_submissions(base: &str, signed: &[Signed], submission: &Submission, rate: u32) -> BenchResult<Run> {
    let start = Instant::now() + Duration::from_millis(200);
    let interval = Duration::from_secs_f64(1.0 / f64::from(rate));
    let next = Arc::new(AtomicUsize::new(0));
    let bodies: Arc<Vec<(String, String)>> =
        Arc::new(signed.iter().map(|one| (one.path.clone(), one.body(submission))).collect());
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(bodies.len())));
    let failures = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..16)
        .map(|_| {
            let (next, bodies, latencies, failures, base) = (
                Arc::clone(&next),
                Arc::clone(&bodies),
                Arc::clone(&latencies),
                Arc::clone(&failures),
                base.to_owned(),
            );
            std::thread::spawn(move || {
                let agent = ureq_agent();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((path, body)) = bodies.get(index) else { return };
                    let scheduled = start + interval * u32::try_from(index).unwrap_or(u32::MAX);
                    if let Some(wait) = scheduled.checked_duration_since(Instant::now()) {
                        // Pacing the load generator, not waiting for the server.
                        std::thread::sleep(wait);
                    }
                    let reply = agent
                        .post(&format!("{base}{path}"))
                        .header("content-type", "application/x-www-form-urlencoded")
                        .send(body.as_str());
                    match reply {
                        Ok(reply) if reply.status() == 303 => {
                            latencies
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .push(scheduled.elapsed());
                        }
                        _ => {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().map_err(|_| "a load thread panicked")?;
    }
    let failures = failures.load(Ordering::Relaxed);
    if failures > 0 {
        return Err(format!("{failures} submissions failed during the latency run").into());
    }
    let mut latencies = Arc::try_unwrap(latencies).map_err(|_| "load threads still running")?.into_inner()?;
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0)
    };
    Ok(Run { rate: f64::from(rate), p50_ms: at(0.5), p99_ms: at(0.99), errors: 0 })
}

/// The server process's resident memory, now and at its peak.
struct Memory {
    rss_mb: f64,
    peak_mb: f64,
}

/// Times taking [`SYNC_ANSWERS`] sealed answers into the record, in seconds: it first takes in
/// whatever waits, then posts that many forms to the server and times the one sync that takes
/// them in, checking that each reached the record.
fn measure_sync(addr: &SocketAddr, seeder: &mut Seeder, submission: &Submission) -> BenchResult<f64> {
    seeder.take_in()?;
    let tokens = seeder.invite(SYNC_ANSWERS)?;
    let signed = sign_links(addr, &tokens)?;
    open_loop_submissions(&format!("http://{addr}"), &signed, submission, 1000)?;
    let before = seeder.responses()?;
    let started = Instant::now();
    let report = seeder.take_in()?;
    let seconds = started.elapsed().as_secs_f64();
    let stored = seeder.responses()? - before;
    if report.received != SYNC_ANSWERS || stored != SYNC_ANSWERS {
        return Err(format!(
            "the sync took in {} forms and the record gained {stored}, not {SYNC_ANSWERS}",
            report.received
        )
        .into());
    }
    Ok(seconds)
}

/// Starts the `serve` example on the same relay folder, loads it with GETs and submissions, and
/// reads its resident memory from /proc. It needs no key: the server never opens the record.
fn measure_memory(oha: &Path, relay: &Path, seeder: &mut Seeder, submission: &Submission) -> BenchResult<Memory> {
    let exe = std::env::current_exe()?;
    let serve = exe.with_file_name("serve");
    let mut command = Command::new(&serve);
    command.arg(relay).stdout(Stdio::piped()).stderr(Stdio::null());
    let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", serve.display()))?;
    let mut line = String::new();
    BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
    let base = line.trim().strip_prefix("listening on ").ok_or("the server did not print its address")?.to_owned();
    let addr: SocketAddr = base.trim_start_matches("http://").parse()?;

    let path = seeder.invite(1)?.remove(0);
    oha_run(oha, &format!("{base}{path}"), &["-c", &CONNECTIONS.to_string(), "-z", "5s"])?;
    let tokens = seeder.invite(1000)?;
    let signed = sign_links(&addr, &tokens)?;
    open_loop_submissions(&base, &signed, submission, 500)?;

    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()))?;
    let kb = |field: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|n| n.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    let memory = Memory { rss_mb: kb("VmRSS:") / 1024.0, peak_mb: kb("VmHWM:") / 1024.0 };
    // Stop the server we started, by its id, as SIGTERM would in production.
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    let _ = child.wait();
    Ok(memory)
}
