//! `mend demo`: the whole journey with invented people, in a demo database of its own.
//!
//! Each step runs this same `mend` binary as a separate process, exactly as the therapist would
//! type it, and prints the command with its output. The two partners' intakes go over real HTTP
//! to a real `mend serve`, the way a browser would send them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

use crate::args::DemoArgs;
use crate::context::Context;
use crate::output::outln;

/// How long the demo waits for its intake server to say where it listens.
const SERVER_START_LIMIT: Duration = Duration::from_secs(30);

/// The demo record's passphrase: the demo runs encrypted, as a real practice does, and prints it
/// so the therapist can look inside afterwards.
const DEMO_PASSPHRASE: &str = "demo-harbour-lanterns";

/// The invented couple.
const BROKE_TRUST: &str = "Daniel Okafor";
const HURT: &str = "Maria Núñez";

pub(crate) fn run(_ctx: &Context, args: DemoArgs) -> Result<ExitCode> {
    let dir = match args.dir {
        Some(dir) => dir,
        None => std::env::temp_dir().join(format!("mend-demo-{}", std::process::id())),
    };
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create the demo folder {}", dir.display()))?;
    let db = dir.join("demo.db");
    // The demo's configuration, and so its key file, are its own too, beside its database.
    let config = dir.join("config.toml");
    let key_file = dir.join("mend.key");
    // The demo's database is its own: start it afresh so the demo always tells the same story.
    let old_key = [key_file.clone(), crate::keys::pending_key_file_path(&key_file)];
    let old_db = ["", "-wal", "-shm"].map(|suffix| PathBuf::from(format!("{}{suffix}", db.display())));
    for path in old_db.into_iter().chain(old_key) {
        if path.exists() {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove the old demo file {}", path.display()))?;
        }
    }
    let demo = Demo { exe: std::env::current_exe().context("cannot find the mend binary to run")?, db, config };

    outln!("mend demo: the journey of one invented couple, in {}", dir.display())?;
    outln!("Your own database is not touched: every step below uses --db {}.", demo.db.display())?;
    outln!(
        "The demo's record is encrypted, as yours is: its key is in {}, sealed with the demo passphrase {DEMO_PASSPHRASE:?}.\n",
        key_file.display()
    )?;

    say("1. The therapist adds the couple.")?;
    let added = demo.mend(&[
        "couple",
        "add",
        "--partner",
        BROKE_TRUST,
        "--partner",
        HURT,
        "--breach",
        "affair",
        "--broke-trust",
        BROKE_TRUST,
        "--label",
        "demo",
    ])?;
    let couple = added
        .split_whitespace()
        .nth(2)
        .map(|w| w.trim_end_matches(':').to_owned())
        .context("`mend couple add` did not print the couple's id")?;

    say("2. The intake server runs, so the links work.")?;
    let mut server = demo.serve()?;
    let result = demo.journey(&couple, &dir, &server.base);
    if result.is_err() || !args.keep_serving {
        server.stop();
    }
    result?;

    if args.keep_serving {
        say("The server keeps running. A fresh link to look at the form yourself:")?;
        demo.mend(&["invite", &couple, "--partner", HURT, "--base-url", &server.base])?;
        outln!("Open it in a browser. Press Ctrl-C to stop the server.")?;
        server.wait();
    } else {
        outln!("To open the form in a browser yourself, run `mend demo --keep-serving`.")?;
    }
    outln!(
        "To look at the demo's record: MEND_CONFIG={} MEND_PASSPHRASE={DEMO_PASSPHRASE} mend --db {} couple list",
        shell_word(&demo.config.to_string_lossy()),
        shell_word(&demo.db.to_string_lossy())
    )?;
    Ok(ExitCode::SUCCESS)
}

fn say(text: &str) -> std::io::Result<()> {
    outln!("\n{text}")
}

struct Demo {
    exe: PathBuf,
    db: PathBuf,
    /// The demo's own configuration file (it need not exist); its key file is beside it.
    config: PathBuf,
}

/// The demo's intake server, a child process.
struct Server {
    child: Child,
    base: String,
}

/// The server must not outlive the demo, whatever way the demo ends.
impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Server {
    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn wait(&mut self) {
        let _ = self.child.wait();
    }
}

impl Demo {
    /// `mend --db DEMO_DB`, with the demo's own configuration, key file and passphrase.
    fn command(&self) -> Command {
        let mut command = Command::new(&self.exe);
        command
            .arg("--db")
            .arg(&self.db)
            .env("MEND_CONFIG", &self.config)
            .env(crate::keys::PASSPHRASE_ENV, DEMO_PASSPHRASE)
            .env_remove(crate::keys::NEW_PASSPHRASE_ENV)
            .env_remove(crate::keys::RECOVERY_ENV);
        command
    }

    /// Runs `mend ARGS` on the demo database, printing the command and its output.
    fn mend(&self, args: &[&str]) -> Result<String> {
        let shown: Vec<String> = args.iter().map(|a| shell_word(a)).collect();
        outln!("$ mend {}", shown.join(" "))?;
        let output = self
            .command()
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .with_context(|| format!("cannot run {}", self.exe.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr);
        for line in stdout.lines().chain(stderr.lines()) {
            outln!("  {line}")?;
        }
        if !output.status.success() {
            bail!("the demo stopped: `mend {}` failed", shown.join(" "));
        }
        Ok(stdout)
    }

    /// Starts `mend serve` on a free port and waits for it to say where it listens.
    fn serve(&self) -> Result<Server> {
        outln!("$ mend serve --addr 127.0.0.1:0 &")?;
        let mut child = self
            .command()
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("MEND_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot start the intake server")?;
        let stdout = child.stdout.take().context("the server has no output")?;
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + SERVER_START_LIMIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match receive.recv_timeout(left) {
                Ok(line) => {
                    outln!("  {line}")?;
                    if let Some(base) = line.strip_prefix("mend serve: listening on ") {
                        return Ok(Server { child, base: base.trim().to_owned() });
                    }
                }
                Err(_) => break,
            }
        }
        let _ = child.kill();
        bail!("the intake server did not start within {} seconds", SERVER_START_LIMIT.as_secs())
    }

    fn journey(&self, couple: &str, dir: &Path, base: &str) -> Result<()> {
        say("3. The therapist makes a private link for each partner.")?;
        let links = self.mend(&["invite", couple, "--base-url", base])?;
        let urls: Vec<&str> = links.lines().map(str::trim).filter(|l| l.starts_with(base)).collect();
        let [first, second] = urls.as_slice() else { bail!("`mend invite` did not print two links") };

        say("4. Each partner opens their own link and sends the form (here over HTTP, as a browser would).")?;
        for (url, (name, answers)) in [first, second]
            .into_iter()
            .zip([(BROKE_TRUST, answers_of_partner_who_broke_trust()), (HURT, answers_of_hurt_partner())])
        {
            let status = submit(url, &answers)?;
            outln!("  {name}: GET the form, POST the answers → {status}")?;
        }

        say("5. The therapist reads both intakes side by side, with their flags.")?;
        self.mend(&["intake", couple])?;

        say("6. A timed plan for the first session, saved as session 1.")?;
        self.mend(&["plan", couple, "--minutes", "50", "--save"])?;

        say("7. After the session, the therapist records what happened.")?;
        self.mend(&[
            "session",
            "record",
            couple,
            "--stage",
            "disclosure-and-accountability",
            "--met",
            "acknowledgement-given",
            "--notes",
            "Daniel gave his account without excuses; Maria asked for a pause once and came back.",
        ])?;

        say("8. The homework sheets for the couple, as PDF.")?;
        let folder = dir.join("homework");
        let folder = folder.to_string_lossy();
        self.mend(&["homework", "packet", couple, "-o", &folder])?;
        outln!("\nThe journey is done. The homework PDFs are in {folder}")?;
        Ok(())
    }
}

/// Quotes a word for display when a shell would need it.
fn shell_word(word: &str) -> String {
    if word.chars().all(|c| c.is_alphanumeric() || "-_./:=,".contains(c)) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// Answers of the partner who broke trust: accountable, no flags beyond information.
fn answers_of_partner_who_broke_trust() -> Vec<(&'static str, &'static str)> {
    let mut answers = common_answers();
    answers.extend([
        ("name", "Daniel"),
        ("role", "broke_trust"),
        ("accepts_responsibility", "yes"),
        ("phq2_interest", "1"),
        ("phq2_down", "1"),
        ("gad2_nervous", "1"),
        ("gad2_worry", "1"),
        ("signature", "Daniel Okafor"),
    ]);
    answers
}

/// Answers of the hurt partner: low mood screens positive, which raises a `caution` flag.
fn answers_of_hurt_partner() -> Vec<(&'static str, &'static str)> {
    let mut answers = common_answers();
    answers.extend([
        ("name", "Maria"),
        ("role", "hurt"),
        ("questions_open", "yes"),
        ("partner_accountable", "partly"),
        ("symptoms", "hypervigilance"),
        ("symptoms", "sleep"),
        ("phq2_interest", "2"),
        ("phq2_down", "2"),
        ("gad2_nervous", "2"),
        ("gad2_worry", "1"),
        ("signature", "Maria Núñez"),
    ]);
    answers
}

/// What both invented partners answer the same way.
fn common_answers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("breach", "affair"),
        ("came_to_light", "discovered"),
        ("how_long_ago", "1-6-months"),
        ("outside_relationship_ended", "yes"),
        ("still_going_on", "no"),
        ("happened_before", "no"),
        ("commitment", "8"),
        ("hope", "repair"),
        ("trust_boundaries", "2"),
        ("trust_honest", "1"),
        ("trust_best_interest", "2"),
        ("trust_promises", "1"),
        ("trust_safety", "2"),
        ("arguments", "one-withdraws"),
        ("feel_heard", "5"),
        ("told_imagining", "never"),
        ("afraid_of_partner", "no"),
        ("hurt_or_threatened", "no"),
        ("hurt_before", "no"),
        ("strangled", "no"),
        ("weapon", "no"),
        ("threatened_harm", "no"),
        ("suicide_threats", "no"),
        ("controlled", "no"),
        ("monitored", "no"),
        ("sexual_pressure", "no"),
        ("harassed", "no"),
        ("self_harm_thoughts", "no"),
        ("self_harm_past", "no"),
        ("substance_use", "no"),
        ("children_at_home", "no"),
        ("safe_to_contact", "yes"),
        ("goals", "To understand what happened and whether we can trust each other again."),
        ("earlier_therapy", "no"),
        ("secrets_policy", "yes"),
        ("consent", "yes"),
    ]
}

/// Opens the form, reads its forgery-protection value as a browser would, and sends the answers.
fn submit(url: &str, answers: &[(&str, &str)]) -> Result<String> {
    // No redirects followed and no status made an error: the demo checks the server's own answer.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into();
    let mut page = agent.get(url).call().with_context(|| format!("cannot reach the intake server at {url}"))?;
    if page.status() != 200 {
        bail!("the form did not open: {}", page.status());
    }
    let html = page.body_mut().read_to_string().context("cannot read the form")?;
    let key = mend_intake::form_key(&html).context("the form has no forgery-protection value")?;
    let fields = [(mend_intake::FORM_KEY_FIELD, key.as_str()), ("_action", "send")];
    let sent = agent
        .post(url)
        .send_form(fields.iter().chain(answers).copied())
        .with_context(|| format!("cannot send the form to {url}"))?;
    if sent.status() != 303 {
        bail!("the form was not accepted ({}); this is a bug in the demo's answers", sent.status());
    }
    Ok(sent.status().to_string())
}
