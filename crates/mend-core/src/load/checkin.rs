//! The between-sessions check-in in the content check: the one program.toml names, checked as the intake is; and read alone, for `mend progress`.

use std::collections::BTreeMap;

use super::{
    INSTRUMENTS_FILE, PROGRAM_FILE, Parsed, Problems, Text, check_questionnaire, embedded_texts, is_checkin_file,
    license_scores, parse, parse_files,
};
use crate::checkin::CheckinContent;
use crate::content::ContentErrors;
use crate::content::ProgramFile;
use crate::domain::Role;
use crate::questionnaire::Questionnaire;

impl CheckinContent {
    /// The check-in and the ledger of the program embedded in mend, read without its stages,
    /// sheets and intake: those are six sevenths of its text, and `mend progress` needs none of
    /// them. `None` when the program has no check-in.
    ///
    /// The embedded program is checked whole by mend's tests, which also hold this to what
    /// [`Program::embedded`](crate::Program::embedded) gives.
    pub fn embedded() -> Result<Option<Self>, ContentErrors> {
        load_checkin(embedded_texts(is_checkin_file))
    }
}

/// The check-in the program names, checked like the intake (its citations are checked by the
/// caller, with the others); any other check-in file is a mistake.
pub(super) fn check_checkin(
    problems: &mut Problems,
    program_file: &ProgramFile,
    parsed: &mut Parsed,
) -> Option<Questionnaire> {
    let named = program_file.checkin.as_deref().and_then(|id| parsed.checkins.remove(id));
    for (id, (path, _)) in &parsed.checkins {
        problems.add(
            path,
            Some(id),
            "this check-in is not used: set `checkin` in program.toml to its id or remove the file",
        );
    }
    match (named, program_file.checkin.as_deref()) {
        (Some((path, mut q)), _) => {
            check_questionnaire(problems, &path, &q, parsed);
            for section in q.sections.iter().filter(|s| s.schedule.is_some()) {
                // `every = 1` asks a section every time of one partner only, such as contact with
                // the other person of the partner who broke trust.
                if section.schedule.is_some_and(|s| s.every == 0 || (s.every < 2 && s.of == Role::Both)) {
                    problems.add(
                        &path,
                        Some(&section.id),
                        "a schedule's `every` must be 2 or more (or 1 for one partner's role): a section asked every time of both needs no schedule",
                    );
                }
                // A sent form is checked against the whole check-in, whatever its link showed.
                for question in section.questions.iter().filter(|q| q.required) {
                    problems.add(
                        &path,
                        Some(&question.id),
                        "a scheduled section's questions cannot be required, or links that do not ask the section could never be sent: remove `required`",
                    );
                }
            }
            license_scores(problems, &path, &mut q, parsed);
            Some(q)
        }
        (None, Some(id)) if !parsed.is_unreadable("checkin", id) => {
            problems.add(
                PROGRAM_FILE,
                Some(id),
                format!("names check-in {id:?} but there is no checkin/{id}.toml: add it or fix `checkin`"),
            );
            None
        }
        _ => None,
    }
}

/// The check-in program.toml names, with the licence ledger, from content already checked whole
/// (the embedded program): each is read and its scores given their attribution as [`load`]
/// does, and the checks that need the rest of the program (a flag's stage) are left to it.
fn load_checkin(files: BTreeMap<String, Text>) -> Result<Option<CheckinContent>, ContentErrors> {
    let mut problems = Problems::default();
    let Some(program_file) =
        files.get(PROGRAM_FILE).and_then(|text| parse::<ProgramFile>(&mut problems, PROGRAM_FILE, None, text))
    else {
        problems.add(PROGRAM_FILE, None, "missing or unreadable: the check-in is named there");
        return Err(ContentErrors(problems.0));
    };
    let Some(id) = program_file.checkin else { return Ok(None) };
    let path = format!("checkin/{id}.toml");
    let files = files.into_iter().filter(|(file, _)| file == INSTRUMENTS_FILE || *file == path).collect();
    let mut parsed = parse_files(&mut problems, &files);
    let Some((path, mut checkin)) = parsed.checkins.remove(&id) else {
        problems.add(PROGRAM_FILE, Some(&id), format!("names check-in {id:?} but {path} could not be read"));
        return Err(ContentErrors(problems.0));
    };
    license_scores(&mut problems, &path, &mut checkin, &parsed);
    if !problems.0.is_empty() {
        return Err(ContentErrors(problems.0));
    }
    Ok(Some(CheckinContent { checkin, instruments: parsed.instruments }))
}
