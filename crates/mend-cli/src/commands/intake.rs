//! `mend intake`: both partners' answers side by side, their scores and flags, and where to start.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Result;
use mend_core::Couple;
use mend_core::questionnaire::{Evidence, Score};
use mend_core::record::resolution_covering;
use mend_core::{FlagResolution, Program, Questionnaire, Severity};
use mend_store::IntakeResponse;
use serde::Serialize;

use crate::args::{Format, IntakeArgs};
use crate::context::{Context, now};
use crate::output::out;
use crate::output::{json, terminal_safe, wrap};

/// Width of each partner's column in the side-by-side view.
const COLUMN: usize = 37;

#[derive(Serialize)]
struct PartnerView {
    name: String,
    roles: &'static str,
    answered: bool,
    submitted_at: Option<String>,
    /// The version of the form their answers were given on.
    questionnaire_version: Option<u32>,
    /// The SHA-256 of that version's content, where the record keeps it.
    questionnaire_sha256: Option<String>,
}

#[derive(Serialize)]
struct AnswerRow {
    section: String,
    question: String,
    label: String,
    /// One entry per partner, in partner order: the answer in words, or null.
    answers: Vec<Option<String>>,
}

#[derive(Serialize)]
struct ScoreView {
    partner: String,
    #[serde(flatten)]
    score: Score,
}

#[derive(Serialize)]
struct FlagView {
    id: String,
    severity: Severity,
    message: String,
    action: String,
    partner: String,
    because: Vec<Evidence>,
    resolved: bool,
    /// The assessment that resolved it, made after the answers that raised it.
    resolution: Option<FlagResolution>,
}

#[derive(Serialize)]
struct StartView {
    id: String,
    title: String,
    reason: String,
}

#[derive(Serialize)]
struct IntakeView {
    couple: String,
    /// The version of the form new links show.
    current_version: u32,
    partners: Vec<PartnerView>,
    answers: Vec<AnswerRow>,
    scores: Vec<ScoreView>,
    flags: Vec<FlagView>,
    start_stage: Option<StartView>,
}

pub(crate) fn run(ctx: &Context, args: IntakeArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    let mut store = ctx.store_taking_in()?;
    let couple = store.find_couple(&args.couple)?;
    let responses = store.intake_responses(&couple)?;
    let resolutions = store.resolved_flags(&couple)?;
    // Each response is read with the questions it answered: the version the link showed.
    let mut asked: Vec<(u32, Option<Questionnaire>)> = Vec::new();
    for response in &responses {
        let current = &program.questionnaire;
        if (response.questionnaire.as_str(), response.version) != (current.id.as_str(), current.version)
            && !asked.iter().any(|(version, _)| *version == response.version)
        {
            asked.push((response.version, store.questionnaire_version(&response.questionnaire, response.version)?));
        }
    }
    store.audit(mend_store::Actor::Cli, "intake viewed", Some(&couple.short_id), now())?;
    let questions_of = |response: &IntakeResponse| -> &Questionnaire {
        asked
            .iter()
            .find(|(version, _)| *version == response.version)
            .and_then(|(_, kept)| kept.as_ref())
            .unwrap_or(&program.questionnaire)
    };
    let view = build(program, &couple, &responses, &questions_of, &resolutions);
    if args.format.format == Format::Json {
        json(&view)?;
    } else {
        let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        out!("{}", render(&for_terminal(view), color))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn build<'a>(
    program: &'a Program,
    couple: &Couple,
    responses: &[IntakeResponse],
    questions_of: &dyn Fn(&IntakeResponse) -> &'a Questionnaire,
    resolutions: &[FlagResolution],
) -> IntakeView {
    let questionnaire = &program.questionnaire;
    let answers_of: Vec<Option<&IntakeResponse>> =
        // Responses come oldest first; a partner's latest one is what counts.
        couple.partners.iter().map(|p| responses.iter().rev().find(|r| r.partner_id == p.id)).collect();
    let partners = couple
        .partners
        .iter()
        .zip(&answers_of)
        .map(|(p, r)| PartnerView {
            name: p.name.to_string(),
            roles: p.roles.as_str(),
            answered: r.is_some(),
            submitted_at: r.map(|r| r.submitted_at.clone()),
            questionnaire_version: r.map(|r| r.version),
            questionnaire_sha256: r.and_then(|r| r.content_sha256.clone()),
        })
        .collect();
    // The current questions first, then any that only an older version a partner answered asks.
    let mut asked: Vec<&Questionnaire> = vec![questionnaire];
    for response in answers_of.iter().flatten() {
        let questions = questions_of(response);
        if !asked.iter().any(|q| std::ptr::eq(*q, questions)) {
            asked.push(questions);
        }
    }
    let mut rows: Vec<AnswerRow> = Vec::new();
    for version in asked {
        for section in &version.sections {
            for question in &section.questions {
                if rows.iter().any(|row| row.question == question.id) {
                    continue;
                }
                let answers: Vec<Option<String>> =
                    answers_of
                        .iter()
                        .map(|r| {
                            let r = (*r)?;
                            let theirs = questions_of(r);
                            let answer = r.answers.get(&question.id)?;
                            Some(theirs.question(&question.id).map_or_else(
                                || version.describe(question, answer),
                                |asked| theirs.describe(asked, answer),
                            ))
                        })
                        .collect();
                // Worded as the first partner who answered it was asked it.
                let label = answers_of
                    .iter()
                    .flatten()
                    .filter(|r| r.answers.contains_key(&question.id))
                    .find_map(|r| questions_of(r).question(&question.id))
                    .map_or(&question.label, |asked| &asked.label);
                if answers.iter().any(Option::is_some) {
                    rows.push(AnswerRow {
                        section: section.title.clone(),
                        question: question.id.clone(),
                        label: label.clone(),
                        answers,
                    });
                }
            }
        }
    }
    let mut scores = Vec::new();
    let mut flags = Vec::new();
    for (partner, response) in couple.partners.iter().zip(&answers_of) {
        let Some(response) = response else { continue };
        let (partner_scores, raised) = questions_of(response).assess(&response.answers);
        scores.extend(partner_scores.into_iter().map(|score| ScoreView { partner: partner.name.to_string(), score }));
        flags.extend(raised.into_iter().map(|f| {
            let resolution = resolution_covering(resolutions, &f.id, Some(&response.submitted_at)).cloned();
            FlagView {
                resolved: resolution.is_some(),
                resolution,
                id: f.id,
                severity: f.severity,
                message: f.message,
                action: f.action,
                partner: partner.name.to_string(),
                because: f.because,
            }
        }));
    }
    // Open stop flags first, then by severity; resolved ones last.
    flags.sort_by_key(|f| (f.resolved, std::cmp::Reverse(f.severity)));
    let answered: Vec<&mend_core::Answers> = answers_of.iter().flatten().map(|r| &r.answers).collect();
    let start_stage = if answered.is_empty() {
        None
    } else {
        let (id, reason) = match questionnaire.start_rule(&answered) {
            Some(rule) => (rule.stage.clone(), rule.reason.clone()),
            None => (
                program.stages[0].id.clone(),
                "No start rule applies, so the program begins at its first stage.".to_owned(),
            ),
        };
        let title = program.stage(&id).map(|s| s.title.clone()).unwrap_or_default();
        Some(StartView { id, title, reason })
    };
    IntakeView {
        couple: couple.short_id.clone(),
        current_version: questionnaire.version,
        partners,
        answers: rows,
        scores,
        flags,
        start_stage,
    }
}

/// The view with every text that came from a partner, a file or the content made safe to
/// print (see [`terminal_safe`]): the answers are what a partner typed, or what an imported
/// file says they typed.
fn for_terminal(mut view: IntakeView) -> IntakeView {
    let clean = |text: &mut String| *text = terminal_safe(text);
    clean(&mut view.couple);
    for partner in &mut view.partners {
        clean(&mut partner.name);
    }
    for row in &mut view.answers {
        clean(&mut row.section);
        clean(&mut row.question);
        clean(&mut row.label);
        row.answers.iter_mut().flatten().for_each(clean);
    }
    for score in &mut view.scores {
        clean(&mut score.partner);
    }
    for flag in &mut view.flags {
        for text in [&mut flag.id, &mut flag.message, &mut flag.action, &mut flag.partner] {
            clean(text);
        }
        for evidence in &mut flag.because {
            clean(&mut evidence.label);
            clean(&mut evidence.answer);
        }
        if let Some(resolution) = &mut flag.resolution {
            clean(&mut resolution.note);
        }
    }
    if let Some(start) = &mut view.start_stage {
        clean(&mut start.title);
        clean(&mut start.reason);
    }
    view
}

fn paint(text: &str, code: &str, color: bool) -> String {
    if color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
}

fn render(view: &IntakeView, color: bool) -> String {
    let mut out = String::new();
    let names: Vec<&str> = view.partners.iter().map(|p| p.name.as_str()).collect();
    out.push_str(&format!("Intake for couple {}: {}\n", view.couple, names.join(" & ")));
    for p in &view.partners {
        let status = match (&p.submitted_at, p.questionnaire_version) {
            (Some(at), Some(version)) if version != view.current_version => {
                format!("sent {}, on version {version} of the form", &at[..10.min(at.len())])
            }
            (Some(at), _) => format!("sent {}", &at[..10.min(at.len())]),
            (None, _) => "has not answered yet".to_owned(),
        };
        out.push_str(&format!("  {}: {status}\n", p.name));
    }
    if view.partners.iter().all(|p| !p.answered) {
        out.push_str(
            "\nNo intake has been sent yet. `mend invite COUPLE` makes the links; `mend serve` runs the form.\n",
        );
        return out;
    }

    let open_stops: Vec<&FlagView> =
        view.flags.iter().filter(|f| !f.resolved && f.severity == Severity::Stop).collect();
    if !open_stops.is_empty() {
        let bar = "!".repeat(78);
        out.push_str(&format!("\n{}\n", paint(&bar, "1;31", color)));
        out.push_str(&paint(
            &format!(
                "STOP: {} safety flag(s) open. Joint sessions wait until each is assessed and resolved.\n",
                open_stops.len()
            ),
            "1;31",
            color,
        ));
        out.push_str(&format!("{}\n", paint(&bar, "1;31", color)));
    }
    out.push_str("\nFlags\n-----\n");
    if view.flags.is_empty() {
        out.push_str("  none raised\n");
    }
    for flag in &view.flags {
        let severity = match flag.severity {
            Severity::Stop => paint("STOP", "1;31", color),
            Severity::Caution => paint("CAUTION", "1;33", color),
            Severity::Info => "info".to_owned(),
        };
        let resolved = if flag.resolved { " (resolved)" } else { "" };
        out.push_str(&format!("  [{severity}] {} — {}{resolved}\n", flag.id, flag.partner));
        if let Some(resolution) = &flag.resolution {
            let day = resolution.resolved_at.get(..10).unwrap_or(&resolution.resolved_at);
            out.push_str(&wrap(&format!("Resolved on {day}: {}", resolution.note), 80, "      "));
        }
        out.push_str(&wrap(&flag.message, 80, "      "));
        out.push_str(&wrap(&format!("What to do: {}", flag.action), 80, "      "));
        for evidence in &flag.because {
            out.push_str(&wrap(&format!("Because: {} — {}", evidence.label, evidence.answer), 80, "      "));
        }
        if !flag.resolved && flag.severity == Severity::Stop {
            out.push_str(&format!("      When assessed: mend flag resolve {} {} --note TEXT\n", view.couple, flag.id));
        }
    }

    out.push_str("\nScores\n------\n");
    for score in &view.scores {
        let value = match score.score.value {
            Some(v) => format!(
                "{v} of {} ({})",
                score.score.max,
                if score.score.positive { "positive screen" } else { "below cutoff" }
            ),
            None => "incomplete".to_owned(),
        };
        out.push_str(&format!("  {:<20} {:<8} {value}\n", score.partner, score.score.id.to_uppercase()));
    }

    if let Some(start) = &view.start_stage {
        out.push_str(&format!("\nStart at: {} ({})\n", start.title, start.id));
        out.push_str(&wrap(&start.reason, 80, "  "));
    }

    out.push_str("\nAnswers\n-------\n");
    out.push_str(&format!("  {:<COLUMN$} {}\n", names.first().unwrap_or(&""), names.get(1).unwrap_or(&"")));
    let mut section = "";
    for row in &view.answers {
        if row.section != section {
            section = &row.section;
            out.push_str(&format!("\n== {section} ==\n"));
        }
        out.push_str(&wrap(&row.label, 80, ""));
        let columns: Vec<Vec<String>> = row
            .answers
            .iter()
            .zip(&view.partners)
            .map(|(answer, partner)| {
                let text = match answer {
                    Some(a) => a.clone(),
                    None if partner.answered => "(not asked)".to_owned(),
                    None => "(no answer yet)".to_owned(),
                };
                wrap(&text, COLUMN, "").lines().map(str::to_owned).collect()
            })
            .collect();
        let height = columns.iter().map(Vec::len).max().unwrap_or(0);
        for line in 0..height {
            let left = columns.first().and_then(|c| c.get(line)).map_or("", String::as_str);
            let right = columns.get(1).and_then(|c| c.get(line)).map_or("", String::as_str);
            out.push_str(format!("  {left:<COLUMN$} {right}").trim_end());
            out.push('\n');
        }
    }
    out
}
