//! The between-sessions check-in in the content check: the one program.toml names, checked as the intake is.

use super::{PROGRAM_FILE, Parsed, Problems, check_questionnaire, license_scores};
use crate::content::ProgramFile;
use crate::questionnaire::Questionnaire;

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
