//! Whether mend may write to a partner at all: the rule every message obeys, before any address
//! or mail server is looked at.

use crate::content::Program;
use crate::plan::{PlanFlag, checkin_flags, raised_flags};
use crate::questionnaire::Answer;
use crate::record::CoupleRecord;

/// The intake question that asks whether messages about therapy are safe at home.
pub const SAFE_TO_CONTACT: &str = "safe_to_contact";

/// Open flags that mean someone may be watching this partner's messages.
const WATCHED: [&str; 2] = ["monitoring", "coercive-control"];

/// Why nothing may be sent to a partner; the text says it to the therapist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoMessage {
    /// The partner said messages about therapy are not safe at home.
    #[error("{partner} said in the intake that messages about therapy are not safe at home")]
    NotSafeAtHome {
        /// The partner's name.
        partner: String,
    },
    /// An open stop flag says someone may watch or control this partner's messages.
    #[error("{partner} has an open {flag} flag: someone may read or control their messages")]
    Watched {
        /// The partner's name.
        partner: String,
        /// The flag's id.
        flag: String,
    },
}

/// Whether a message may go to `partner` (a name of the couple in `record`): never to one who
/// said home is not safe, whatever was resolved since, nor to one with an open monitoring or
/// control flag. Pure: the answers and flags come in with the record.
pub fn may_message(program: &Program, record: &CoupleRecord, partner: &str) -> Result<(), NoMessage> {
    let said_not_safe = record
        .partners
        .iter()
        .filter(|p| p.name.as_str() == partner)
        .filter_map(|p| p.intake.as_ref())
        .any(|answers| matches!(answers.get(SAFE_TO_CONTACT), Some(Answer::Text(no)) if no == "no"));
    if said_not_safe {
        return Err(NoMessage::NotSafeAtHome { partner: partner.to_owned() });
    }
    let open = |flag: &PlanFlag| !flag.resolved && flag.partner == partner && WATCHED.contains(&flag.id.as_str());
    let flags = raised_flags(program, record).into_iter().chain(checkin_flags(program, record));
    match flags.into_iter().find(open) {
        Some(flag) => Err(NoMessage::Watched { partner: partner.to_owned(), flag: flag.id }),
        None => Ok(()),
    }
}
