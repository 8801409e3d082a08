//! The command line as plain data: what the therapist typed, before anything is opened or read.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mend_core::{BreachKind, BrokeTrust, EmailAddress, PartnerName};
use serde::{Deserialize, Serialize};

use crate::values::{self, BaseUrl};

/// mend: tools for couples therapists who help a couple repair trust after a betrayal.
#[derive(Debug, Parser)]
#[command(name = "mend", version, about, long_about = None, after_help = EXAMPLES)]
pub(crate) struct Cli {
    /// The practice database (SQLite). Default: a file in your platform's data directory.
    #[arg(long, global = true, env = "MEND_DB", value_name = "PATH")]
    pub(crate) db: Option<PathBuf>,

    /// Use the repair program in this folder instead of the one built into mend.
    #[arg(long, global = true, env = "MEND_CONTENT", value_name = "DIR")]
    pub(crate) content: Option<PathBuf>,

    #[command(subcommand)]
    pub(crate) command: Command,
}

const EXAMPLES: &str = "\
Examples:
  mend demo                                   walk the whole journey with invented people
  mend couple add --partner Alex --partner Sam --breach affair --broke-trust Alex
  mend invite alex                            one private intake link per partner
  mend serve                                  the intake server the links point to
  mend intake alex                            both intakes side by side, with flags
  mend plan alex --minutes 50 --save          a timed plan for the next session
  mend checkin alex                           a private check-in link per partner, between sessions
  mend progress alex                          both partners' check-ins charted over time
  mend homework packet alex -o sheets/        the homework PDFs for the couple";

/// The output format of commands that print records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Format {
    /// For people, in a terminal.
    #[default]
    Text,
    /// Machine-readable, with stable fields (see docs/json.md).
    Json,
}

/// Formats a plan can be printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum PlanFormat {
    /// For people, in a terminal.
    #[default]
    Text,
    /// To paste into notes or print.
    Markdown,
    /// Machine-readable, with stable fields (see docs/json.md).
    Json,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Keep the record of each couple.
    #[command(
        subcommand,
        after_help = "Example:\n  mend couple add --partner Alex --partner Sam --breach lies --broke-trust Sam"
    )]
    Couple(CoupleCommand),
    /// Make a private intake link for each partner (or revoke the links: `mend invite revoke`).
    #[command(
        after_help = "Example:\n  mend invite alex --expires 7d --base-url https://intake.example.org\n  mend invite revoke alex --partner Sam",
        args_conflicts_with_subcommands = true,
        subcommand_negates_reqs = true
    )]
    Invite(InviteArgs),
    /// Make a private check-in link for each partner, to answer between sessions.
    #[command(
        after_help = "Example:\n  mend checkin alex --expires 4d\n  mend checkin alex --partner Sam --format json"
    )]
    Checkin(CheckinArgs),
    /// Everything across the practice that needs doing this week, most urgent first.
    #[command(after_help = "Example:\n  mend due\n  mend due --format json")]
    Due(FormatArgs),
    /// E-mail a reminder for each link still waiting, and check-in links the schedules call for.
    #[command(
        after_help = "Example:\n  mend remind --dry-run\n  mend remind   (daily, from cron or mend-remind.timer)"
    )]
    Remind(RemindArgs),
    /// Check the practice's mail settings.
    #[command(subcommand, after_help = "Example:\n  mend mail test me@example.org")]
    Mail(MailCommand),
    /// Chart both partners' check-ins over time, in the terminal, as JSON or as a one-page PDF.
    #[command(after_help = "Example:\n  mend progress alex\n  mend progress alex --pdf -o progress.pdf")]
    Progress(ProgressArgs),
    /// Show both partners' intakes side by side, with scores, flags and the starting stage.
    #[command(after_help = "Example:\n  mend intake alex\n  mend intake 3f9c --format json")]
    Intake(IntakeArgs),
    /// Prepare a timed plan for the couple's next session.
    #[command(after_help = "Example:\n  mend plan alex --minutes 80 --format markdown\n  mend plan alex --save")]
    Plan(PlanArgs),
    /// Record sessions that were held, and list them.
    #[command(subcommand, after_help = "Example:\n  mend session list alex")]
    Session(SessionCommand),
    /// Resolve a flag raised by an intake, after assessing it.
    #[command(
        subcommand,
        after_help = "Example:\n  mend flag resolve alex fear-of-partner --note 'assessed alone; safety plan made'"
    )]
    Flag(FlagCommand),
    /// List and print homework sheets as PDF.
    #[command(subcommand, after_help = "Example:\n  mend homework packet alex -o sheets/")]
    Homework(HomeworkCommand),
    /// Look at and check the repair program.
    #[command(subcommand, after_help = "Example:\n  mend content show trigger-log")]
    Content(ContentCommand),
    /// Run the relay that links point to; it never opens the record or reads its key.
    #[command(after_help = "Example:\n  mend serve --addr 127.0.0.1:8080 --base-url https://intake.example.org")]
    Serve(ServeArgs),
    /// Take in the forms partners sent, from the relay into the record.
    #[command(after_help = "Example:\n  mend sync\n  mend sync --format json")]
    Sync(FormatArgs),
    /// Pair the record with a relay on another machine.
    #[command(
        subcommand,
        after_help = "Example:\n  on the relay:   mend relay pair --data /var/lib/mend-relay\n  on your machine: mend relay connect https://intake.example.org --code CODE"
    )]
    Relay(RelayCommand),
    /// Write everything mend holds (or one couple) to a JSON file.
    #[command(
        after_help = "Example:\n  mend export -o practice.json\n  mend export --couple alex -o alex-and-sam.json"
    )]
    Export(ExportArgs),
    /// Restore a JSON export into an empty database.
    #[command(after_help = "Example:\n  mend --db restored.db import practice.json")]
    Import(ImportArgs),
    /// Copy the database consistently, even while the server is writing.
    #[command(after_help = "Example:\n  mend backup ~/backups/mend-2026-11-21.db")]
    Backup(BackupArgs),
    /// Encrypt a plain practice record in place (stop `mend serve` first).
    #[command(after_help = "Example:\n  mend encrypt\n  mend key recovery")]
    Encrypt,
    /// The practice record's key: passphrase, rotation, recovery words.
    #[command(subcommand, after_help = "Example:\n  mend key passphrase\n  mend key recovery")]
    Key(KeyCommand),
    /// Show the audit trail: what was done with the record, when and by which program.
    #[command(after_help = "Example:\n  mend audit --couple alex --since 2026-11-01\n  mend audit --format json")]
    Audit(AuditArgs),
    /// Walk the whole journey with invented people, in a demo database of its own.
    #[command(after_help = "Example:\n  mend demo\n  mend demo --keep-serving")]
    Demo(DemoArgs),
    /// Show the configuration, or where it lives.
    #[command(subcommand, after_help = "Example:\n  mend config show")]
    Config(ConfigCommand),
    /// Print a shell completion script.
    #[command(after_help = "Example:\n  mend completions bash > ~/.local/share/bash-completion/completions/mend")]
    Completions(CompletionsArgs),
    /// Print the manual page (roff).
    #[command(after_help = "Example:\n  mend man > mend.1 && man ./mend.1")]
    Man,
}

#[derive(Debug, Subcommand)]
pub(crate) enum CoupleCommand {
    /// Add a couple.
    #[command(
        after_help = "Example:\n  mend couple add --partner 'José Núñez' --partner Zoë --breach lies --broke-trust José --label 'referred by Dr. K'"
    )]
    Add(CoupleAddArgs),
    /// List couples.
    #[command(after_help = "Example:\n  mend couple list\n  mend couple list --format json")]
    List(FormatArgs),
    /// Show one couple: partners, roles, stage, sessions, open invitations.
    #[command(after_help = "Example:\n  mend couple show alex")]
    Show(CoupleShowArgs),
    /// Delete a couple and every trace of them.
    #[command(after_help = "Example:\n  mend couple delete alex --yes")]
    Delete(CoupleDeleteArgs),
    /// Record where a partner's links may be e-mailed, or forget it.
    #[command(
        after_help = "Example:\n  mend couple email alex Sam sam@example.org\n  mend couple email alex Sam --remove"
    )]
    Email(CoupleEmailArgs),
}

#[derive(Debug, Args)]
pub(crate) struct CoupleEmailArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// The partner (part of their name).
    pub(crate) partner: String,
    /// Their e-mail address.
    #[arg(value_name = "ADDRESS", value_parser = values::email, required_unless_present = "remove")]
    pub(crate) address: Option<EmailAddress>,
    /// Forget the address: nothing more is e-mailed to this partner.
    #[arg(long, conflicts_with = "address")]
    pub(crate) remove: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CoupleAddArgs {
    /// A partner's display name; give it twice.
    #[arg(long = "partner", value_name = "NAME", num_args = 1, required = true, value_parser = values::partner_name)]
    pub(crate) partners: Vec<PartnerName>,
    /// What broke trust.
    #[arg(long, value_name = "KIND", value_parser = values::breach())]
    pub(crate) breach: BreachKind,
    /// Who broke trust: one partner's name, or `both`.
    #[arg(long, value_name = "NAME|both", value_parser = values::broke_trust)]
    pub(crate) broke_trust: BrokeTrust,
    /// A note to tell couples apart (not shown to clients).
    #[arg(long, value_name = "TEXT")]
    pub(crate) label: Option<String>,
    /// A partner's e-mail address, in the order of --partner (give it once or twice).
    #[arg(long = "email", value_name = "ADDRESS", value_parser = values::email)]
    pub(crate) emails: Vec<EmailAddress>,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct CoupleShowArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CoupleDeleteArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// Do not ask to confirm.
    #[arg(long)]
    pub(crate) yes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InviteArgs {
    #[command(subcommand)]
    pub(crate) command: Option<InviteCommand>,
    /// The couple's short id or part of a partner's name.
    #[arg(required = true)]
    pub(crate) couple: Option<String>,
    /// Only this partner (default: both).
    #[arg(long, value_name = "NAME")]
    pub(crate) partner: Option<String>,
    /// How long the link works: days (`14d`) or hours (`48h`).
    #[arg(long, default_value = "14d", value_name = "DURATION", value_parser = values::link_lifetime)]
    pub(crate) expires: time::Duration,
    /// The address partners reach the intake server at.
    #[arg(long, value_name = "URL", value_parser = BaseUrl::parse)]
    pub(crate) base_url: Option<BaseUrl>,
    /// E-mail each partner their own link (needs [mail] in the configuration).
    #[arg(long)]
    pub(crate) send: bool,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum InviteCommand {
    /// Stop a couple's links working (a link sent to the wrong address, say), without making new
    /// ones: intake and check-in links alike, on the relay too.
    #[command(after_help = "Example:\n  mend invite revoke alex --partner Sam")]
    Revoke(InviteRevokeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct InviteRevokeArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// Only this partner's links (default: both partners').
    #[arg(long, value_name = "NAME")]
    pub(crate) partner: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CheckinArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// Only this partner (default: both).
    #[arg(long, value_name = "NAME")]
    pub(crate) partner: Option<String>,
    /// How long the link works: days (`4d`) or hours (`48h`).
    #[arg(long, default_value = "4d", value_name = "DURATION", value_parser = values::link_lifetime)]
    pub(crate) expires: time::Duration,
    /// The address partners reach the intake server at.
    #[arg(long, value_name = "URL", value_parser = BaseUrl::parse)]
    pub(crate) base_url: Option<BaseUrl>,
    /// E-mail each partner their own link (needs [mail] in the configuration).
    #[arg(long)]
    pub(crate) send: bool,
    /// From now on a check-in is due this often (`1w`, `10d`; `off` stops it): `mend due` lists
    /// it and `mend remind` sends it.
    #[arg(long, value_name = "SPAN|off", value_parser = values::schedule)]
    pub(crate) every: Option<values::Schedule>,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RemindArgs {
    /// List what would be sent, and send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// How long a fresh check-in link works: days (`4d`) or hours (`48h`).
    #[arg(long, default_value = "4d", value_name = "DURATION", value_parser = values::link_lifetime)]
    pub(crate) expires: time::Duration,
    /// The address partners reach the intake server at.
    #[arg(long, value_name = "URL", value_parser = BaseUrl::parse)]
    pub(crate) base_url: Option<BaseUrl>,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum MailCommand {
    /// Send a test message to ADDRESS and report exactly what the mail server said.
    #[command(after_help = "Example:\n  mend mail test me@example.org")]
    Test(MailTestArgs),
}

#[derive(Debug, Args)]
pub(crate) struct MailTestArgs {
    /// Where to send it (your own address).
    #[arg(value_name = "ADDRESS", value_parser = values::email)]
    pub(crate) address: EmailAddress,
}

#[derive(Debug, Args)]
pub(crate) struct ProgressArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
    /// Write a one-page progress report as PDF instead (needs -o).
    #[arg(long, requires = "output")]
    pub(crate) pdf: bool,
    /// Where to write the PDF.
    #[arg(short, long, value_name = "FILE", requires = "pdf")]
    pub(crate) output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct IntakeArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// Length of the session in minutes, 30 to 120 (default from configuration, else 50).
    #[arg(long, value_name = "MINUTES", value_parser = clap::value_parser!(u32).range(30..=120))]
    pub(crate) minutes: Option<u32>,
    /// Plan this stage instead of the one the record points to.
    #[arg(long, value_name = "ID")]
    pub(crate) stage: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub(crate) format: PlanFormat,
    /// Record this plan as the next session, held today.
    #[arg(long)]
    pub(crate) save: bool,
    /// Show every step and prompt in the text plan, not only the one page to walk in with.
    #[arg(long)]
    pub(crate) detail: bool,
    /// Print the one-page session sheet, with room for notes, as a PDF to the file given by -o.
    #[arg(long, requires = "output")]
    pub(crate) pdf: bool,
    /// Where --pdf writes the session sheet.
    #[arg(short = 'o', long = "output", value_name = "FILE", requires = "pdf")]
    pub(crate) output: Option<std::path::PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum SessionCommand {
    /// Record a session (or add notes and met markers to the one saved by `mend plan --save`).
    #[command(
        after_help = "Example:\n  mend session record alex --stage honesty-and-questions --homework feelings-journal --met questions-answered --notes 'calmer'"
    )]
    Record(SessionRecordArgs),
    /// List a couple's sessions.
    #[command(after_help = "Example:\n  mend session list alex")]
    List(SessionListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SessionRecordArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// The stage worked on.
    #[arg(long, value_name = "ID")]
    pub(crate) stage: String,
    /// Homework sheets given, comma-separated.
    #[arg(long, value_name = "SHEET,...", value_delimiter = ',')]
    pub(crate) homework: Vec<String>,
    /// Progress markers met, comma-separated; each must be a marker of the stage.
    #[arg(long, value_name = "MARKER,...", value_delimiter = ',')]
    pub(crate) met: Vec<String>,
    /// Exercises done, comma-separated (default: the exercises of the plan saved for that day).
    #[arg(long, value_name = "EXERCISE,...", value_delimiter = ',')]
    pub(crate) done: Vec<String>,
    /// For an individual session: the partner seen alone (part of their name).
    #[arg(long, value_name = "PARTNER")]
    pub(crate) with: Option<String>,
    /// New facts about the betrayal came out (a second disclosure): reopens the disclosure work.
    #[arg(long)]
    pub(crate) new_disclosure: bool,
    /// Session notes.
    #[arg(long, value_name = "TEXT")]
    pub(crate) notes: Option<String>,
    /// The date it was held (YYYY-MM-DD; default today).
    #[arg(long, value_name = "DATE", value_parser = values::day)]
    pub(crate) date: Option<time::Date>,
}

#[derive(Debug, Args)]
pub(crate) struct SessionListArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum RelayCommand {
    /// On the relay's machine: print a one-time pairing code (valid 15 minutes). Never opens a record.
    #[command(after_help = "Example:\n  mend relay pair --data /var/lib/mend-relay\n  mend relay pair --format json")]
    Pair(RelayPairArgs),
    /// On your machine: pair the record with the relay at URL, using the code it printed.
    #[command(after_help = "Example:\n  mend relay connect https://intake.example.org --code 1a2b-3c4d-…")]
    Connect(RelayConnectArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RelayPairArgs {
    /// The relay's folder, as `mend serve --data` uses it (default: beside the record).
    #[arg(long, value_name = "DIR")]
    pub(crate) data: Option<PathBuf>,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Args)]
pub(crate) struct RelayConnectArgs {
    /// The relay's address: `https://…` (plain `http://` only to this machine).
    #[arg(value_name = "URL")]
    pub(crate) url: String,
    /// The one-time code `mend relay pair` printed on the relay.
    #[arg(long, value_name = "CODE")]
    pub(crate) code: String,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum FlagCommand {
    /// Mark a flag as assessed and resolved, with why.
    #[command(
        after_help = "Example:\n  mend flag resolve alex affair-ongoing --note 'contact ended, confirmed in individual session'"
    )]
    Resolve(FlagResolveArgs),
}

#[derive(Debug, Args)]
pub(crate) struct FlagResolveArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// The flag's id, as `mend intake` shows it.
    pub(crate) flag: String,
    /// What was assessed and decided.
    #[arg(long, value_name = "TEXT")]
    pub(crate) note: String,
}

#[derive(Debug, Subcommand)]
pub(crate) enum HomeworkCommand {
    /// List the homework sheets.
    #[command(after_help = "Example:\n  mend homework list --format json")]
    List(FormatArgs),
    /// Print one sheet to a PDF file.
    #[command(
        after_help = "Example:\n  mend homework print trigger-log --couple alex --partner Sam --due 2026-12-01 -o trigger-log.pdf"
    )]
    Print(HomeworkPrintArgs),
    /// Print every sheet given in the couple's latest session.
    #[command(after_help = "Example:\n  mend homework packet alex -o sheets/")]
    Packet(HomeworkPacketArgs),
}

/// Paper sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Paper {
    /// US Letter, 8.5 × 11 in.
    Letter,
    /// ISO A4, 210 × 297 mm.
    A4,
}

#[derive(Debug, Args)]
pub(crate) struct HomeworkPrintArgs {
    /// The sheet's id (see `mend homework list`).
    pub(crate) sheet: String,
    /// Fill in this couple's names (default: a blank sheet with lines for names).
    #[arg(long, value_name = "COUPLE")]
    pub(crate) couple: Option<String>,
    /// Only this partner's copy.
    #[arg(long, value_name = "NAME")]
    pub(crate) partner: Option<String>,
    /// Print --partner's copy even of a sheet meant for the other partner.
    #[arg(long, requires = "partner")]
    pub(crate) anyway: bool,
    /// The date it is due (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = values::day)]
    pub(crate) due: Option<time::Date>,
    /// Paper size (default from configuration, else letter).
    #[arg(long, value_enum)]
    pub(crate) paper: Option<Paper>,
    /// The PDF file to write.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct HomeworkPacketArgs {
    /// The couple's short id or part of a partner's name.
    pub(crate) couple: String,
    /// These sheets instead of the latest session's.
    #[arg(long, value_name = "SHEET,...", value_delimiter = ',')]
    pub(crate) sheets: Vec<String>,
    /// The date it is due (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = values::day)]
    pub(crate) due: Option<time::Date>,
    /// Paper size (default from configuration, else letter).
    #[arg(long, value_enum)]
    pub(crate) paper: Option<Paper>,
    /// The folder to write into (created if missing).
    #[arg(short = 'o', long = "output", value_name = "DIR", default_value = ".")]
    pub(crate) output: PathBuf,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ContentCommand {
    /// List stages, exercises and sheets.
    #[command(after_help = "Example:\n  mend content list")]
    List(FormatArgs),
    /// Show a stage, an exercise or a sheet.
    #[command(after_help = "Example:\n  mend content show trigger-log")]
    Show(ContentShowArgs),
    /// Check a content folder and list every problem.
    #[command(after_help = "Example:\n  cp -r content my-program && mend content check my-program")]
    Check(ContentCheckArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ContentShowArgs {
    /// A stage, exercise or sheet id.
    pub(crate) id: String,
}

#[derive(Debug, Args)]
pub(crate) struct ContentCheckArgs {
    /// The folder to check (default: the program in use).
    pub(crate) dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// Where to listen for plain HTTP (default 127.0.0.1:8080), when HTTPS is not asked for.
    #[arg(long, value_name = "ADDR", value_parser = values::listen_address)]
    pub(crate) addr: Option<SocketAddr>,
    /// The public address of the relay, as links start (default from configuration).
    #[arg(long, value_name = "URL", value_parser = BaseUrl::parse)]
    pub(crate) base_url: Option<BaseUrl>,
    /// Trust X-Forwarded-For from a reverse proxy for the rate limit (from loopback only, unless
    /// --trusted-proxy says where the proxy is).
    #[arg(long)]
    pub(crate) trust_proxy: bool,
    /// The address or block (CIDR) of the reverse proxy whose X-Forwarded-For to trust, in place
    /// of loopback (repeat for more); implies --trust-proxy.
    #[arg(long = "trusted-proxy", value_name = "CIDR", value_parser = values::address_block)]
    pub(crate) trusted_proxies: Vec<mend_intake::AddressBlock>,
    /// The relay's folder (default: beside the record, `mend.relay` for `mend.db`). The server
    /// keeps only this folder, sealed; it never opens the record or reads its key.
    #[arg(long, value_name = "DIR")]
    pub(crate) data: Option<PathBuf>,
    /// Serve HTTPS on this address (default [::]:443 when a certificate or domain is given).
    #[arg(long, value_name = "ADDR", value_parser = values::listen_address, help_heading = "HTTPS")]
    pub(crate) https_addr: Option<SocketAddr>,
    /// The certificate chain, PEM, read again when it changes or on SIGHUP.
    #[arg(long, value_name = "FILE", requires = "tls_key", conflicts_with = "domains", help_heading = "HTTPS")]
    pub(crate) tls_cert: Option<PathBuf>,
    /// The certificate's private key, PEM.
    #[arg(long, value_name = "FILE", requires = "tls_cert", help_heading = "HTTPS")]
    pub(crate) tls_key: Option<PathBuf>,
    /// Obtain and renew a certificate for this name by ACME (repeat for more names).
    #[arg(long = "domain", value_name = "NAME", help_heading = "HTTPS")]
    pub(crate) domains: Vec<String>,
    /// An e-mail address the certificate authority may write to.
    #[arg(long, value_name = "EMAIL", help_heading = "HTTPS")]
    pub(crate) acme_contact: Option<String>,
    /// The ACME directory (default: Let's Encrypt's production directory).
    #[arg(long, value_name = "URL", help_heading = "HTTPS")]
    pub(crate) acme_directory: Option<String>,
    /// A CA to trust for the ACME directory itself (a test or private CA), PEM.
    #[arg(long, value_name = "FILE", help_heading = "HTTPS")]
    pub(crate) acme_root: Option<PathBuf>,
    /// Plain HTTP on this address only redirects to HTTPS and answers ACME's HTTP-01 challenges.
    #[arg(long, value_name = "ADDR", value_parser = values::listen_address, help_heading = "HTTPS")]
    pub(crate) http_addr: Option<SocketAddr>,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// Only this couple.
    #[arg(long, value_name = "COUPLE")]
    pub(crate) couple: Option<String>,
    /// The file to write, or `-` for standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub(crate) output: PathBuf,
    /// Write plain JSON even for an encrypted practice, instead of a file sealed with the
    /// passphrase (age).
    #[arg(long)]
    pub(crate) plaintext: bool,
    /// Replace the file if it already exists (a symbolic link is never followed).
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyCommand {
    /// Change the passphrase that unlocks the key file (the database is not rewritten).
    #[command(
        after_help = "Example:\n  mend key passphrase\n  MEND_NEW_PASSPHRASE='…' mend key passphrase\n  mend key passphrase --remove"
    )]
    Passphrase(KeyPassphraseArgs),
    /// Re-encrypt the database with a new key (stop `mend serve` first).
    #[command(after_help = "Example:\n  mend key rotate && mend key recovery")]
    Rotate,
    /// Print the key as recovery words to write down and keep somewhere safe.
    #[command(after_help = "Example:\n  mend key recovery")]
    Recovery,
    /// Write a new key file from the recovery words (asked for, or MEND_RECOVERY_KEY).
    #[command(after_help = "Example:\n  mend key restore\n  MEND_RECOVERY_KEY='…' mend key restore")]
    Restore,
}

#[derive(Debug, Args)]
pub(crate) struct KeyPassphraseArgs {
    /// Keep the key without a passphrase, in a file only you may read.
    #[arg(long)]
    pub(crate) remove: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// A file written by `mend export`, plain JSON or sealed with a passphrase.
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct BackupArgs {
    /// Where to write the copy.
    pub(crate) file: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// Only this couple: its short id (also of a deleted couple) or part of a partner's name.
    #[arg(long, value_name = "COUPLE")]
    pub(crate) couple: Option<String>,
    /// Only entries on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = values::day)]
    pub(crate) since: Option<time::Date>,
    #[command(flatten)]
    pub(crate) format: FormatArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Keep the intake server running at the end, to open the form in a browser.
    #[arg(long)]
    pub(crate) keep_serving: bool,
    /// Where to put the demo's database and PDFs (default: a fresh temporary folder).
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print the configuration in use.
    #[command(after_help = "Example:\n  mend config show")]
    Show,
    /// Print where the configuration file lives.
    #[command(after_help = "Example:\n  $EDITOR \"$(mend config path)\"")]
    Path,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell.
    pub(crate) shell: clap_complete::Shell,
}
