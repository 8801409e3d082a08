//! The domain and the repair program of mend: types, content parsing and validation, flag rules,
//! stage choice and session planning.
//!
//! mend-core is pure: it never touches files, SQL or HTTP. Content comes in as text, answers as
//! maps, couples as plain records; everything out is data for the other crates to store, serve,
//! print or render.

pub mod checkin;
pub mod citation;
pub mod content;
pub mod couple;
pub mod day;
pub mod domain;
pub mod due;
pub mod email;
pub mod ids;
mod load;
pub mod plan;
pub mod progress;
pub mod questionnaire;
pub mod reach;
pub mod record;
pub mod text;
pub mod token;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_content.rs"));
}

pub use content::{Block, ContentError, ContentErrors, Program, Sheet, Stage};
pub use couple::{BrokeTrust, Couple, CoupleError, LookupError, NewCouple, Partner, find_couple};
pub use domain::{BreachKind, InvalidInput, PartnerName, Role, Roles, Severity};
pub use email::EmailAddress;
pub use ids::{CoupleId, PartnerId};
pub use questionnaire::{Answer, Answers, CheckedAnswers, Evaluation, Questionnaire, RawAnswers};
pub use record::{
    CheckinRecord, CoupleRecord, FlagResolution, PartnerRecord, SessionDayError, SessionRecord, check_session_day,
    saved_plan_on,
};
pub use token::{InvalidToken, InvitationToken};
