//! `mend plan`: a timed plan for the couple's next session, from the program and the record.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::{Result, anyhow};
use mend_core::plan::{DEFAULT_MINUTES, PlanError, PlanOptions, plan};
use mend_store::NewSession;

use crate::args::{PlanArgs, PlanFormat};
use crate::commands::session::saved_plan_on;
use crate::context::{Context, format_date, now, today};
use crate::render::{render_markdown, render_text};

pub(crate) fn run(ctx: &Context, args: PlanArgs) -> Result<ExitCode> {
    let program = ctx.program()?;
    let mut store = ctx.store()?;
    let couple = store.find_couple(&args.couple)?;
    let record = store.couple_record(&couple)?;
    let options = PlanOptions {
        minutes: args.minutes.or(ctx.config.session_minutes).unwrap_or(DEFAULT_MINUTES),
        stage_override: args.stage.clone(),
        today: format_date(today()),
    };
    let plan = plan(&program, &record, &options).map_err(with_advice)?;
    match args.format {
        PlanFormat::Text => {
            let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            print!("{}", render_text(&plan, color));
        }
        PlanFormat::Markdown => print!("{}", render_markdown(&plan)),
        PlanFormat::Json => crate::output::json(&plan)?,
    }
    if args.save {
        let session = NewSession {
            held_on: today(),
            stage: plan.stage.id.clone(),
            plan_json: Some(serde_json::to_string(&plan)?),
            homework: plan.homework.clone(),
            met: Vec::new(),
            notes: String::new(),
            number: None,
        };
        // Planning again on the same day replaces the plan saved earlier, if nothing has been
        // recorded in it yet, rather than adding a second session.
        let held = format_date(today());
        let replaceable = saved_plan_on(&store, &couple, &record.sessions, &held)?
            .filter(|last| last.met.is_empty() && last.notes.is_empty())
            .map(|last| last.number);
        let (verb, number) = match replaceable {
            Some(number) => {
                store.replace_saved_plan(&couple, number, &session, now())?;
                ("Replaced today's saved plan: session", number)
            }
            None => ("Saved as session", store.record_session(&couple, &session, now())?),
        };
        eprintln!(
            "{verb} #{number}, held today. Add notes and met markers with `mend session record {} --stage {} --met MARKER,... --notes TEXT`.",
            couple.short_id, plan.stage.id
        );
    } else {
        store.audit(mend_store::Actor::Cli, "plan prepared", Some(&couple.short_id), now())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The planner's error, followed by what the therapist can type to get past it. The planner
/// states only the cause; this is the one place its errors meet the command line's flags.
fn with_advice(error: PlanError) -> anyhow::Error {
    let advice = match &error {
        PlanError::UnknownStage { .. } => "give one of them to --stage".to_owned(),
        PlanError::MinutesOutOfRange { .. } => "give --minutes within that range".to_owned(),
        PlanError::NotTwoPartners { .. } => "add the couple again with both partners (`mend couple add`)".to_owned(),
        PlanError::UnknownRecordedStage { .. } => {
            "use the content it was recorded with (--content DIR), or plan with --stage ID".to_owned()
        }
        PlanError::NoStages => "add stage ids to program.toml".to_owned(),
    };
    anyhow!("{error}: {advice}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_planning_error_is_followed_by_what_to_type() {
        let cases = [
            (
                PlanError::MinutesOutOfRange { minutes: 20 },
                "a session of 20 minutes cannot be planned: sessions last 30 to 120 minutes: give --minutes within \
                 that range",
            ),
            (
                PlanError::UnknownStage { id: "x".into(), known: vec!["a".into(), "b".into()] },
                r#"the program has no stage "x"; its stages are a, b: give one of them to --stage"#,
            ),
            (
                PlanError::NotTwoPartners { couple: "k3f9".into(), partners: 1 },
                "couple k3f9 has 1 partner(s), and a plan needs exactly two: add the couple again with both \
                 partners (`mend couple add`)",
            ),
            (
                PlanError::UnknownRecordedStage { session: 2, stage: "gone".into() },
                r#"session 2 is recorded at stage "gone", which this program does not have: use the content it was recorded with (--content DIR), or plan with --stage ID"#,
            ),
            (PlanError::NoStages, "the program has no stages to start at: add stage ids to program.toml"),
        ];
        for (error, expected) in cases {
            assert_eq!(with_advice(error).to_string(), expected);
        }
    }
}
