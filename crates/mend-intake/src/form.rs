//! Turns the questionnaire, what the partner typed and the errors found into plain view data
//! that the form template prints, one control per question.

use std::collections::{BTreeMap, BTreeSet};

use mend_core::questionnaire::{Condition, FieldError, Question, QuestionKind, Section};
use mend_core::{Questionnaire, RawAnswers};

/// The prefix of every control's `id`; page ids never start with it, so no question id can clash.
const CONTROL_PREFIX: &str = "q-";

/// A section of the form.
#[derive(Debug)]
pub(crate) struct SectionView {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) intro: Vec<String>,
    pub(crate) fields: Vec<FieldView>,
}

/// How a question is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Control {
    /// A group of radios.
    Radios,
    /// A group of checkboxes.
    Checkboxes,
    /// Numbered radios in a row.
    Scale,
    /// One line of text.
    Text,
    /// Several lines of text.
    TextArea,
    /// A date field.
    Date,
    /// Text to read and one box to tick.
    Consent,
}

/// One choice in a group.
#[derive(Debug)]
pub(crate) struct OptionView {
    pub(crate) id: String,
    pub(crate) value: String,
    pub(crate) label: String,
    /// Words under a scale's first or last number.
    pub(crate) note: String,
    pub(crate) checked: bool,
}

/// One question, ready to print.
#[derive(Debug)]
pub(crate) struct FieldView {
    /// The field's name (the question id).
    pub(crate) name: String,
    /// The id of the first control, which labels and the error summary point at.
    pub(crate) control_id: String,
    pub(crate) control: Control,
    pub(crate) label: String,
    pub(crate) hint: String,
    /// Why a sensitive question is asked, who sees it and where to get help, in paragraphs.
    pub(crate) help: Vec<String>,
    /// The therapist's own secrets policy, shown above the secrets agreement.
    pub(crate) policy: Vec<String>,
    /// The text a consent acknowledges, in paragraphs.
    pub(crate) consent_text: Vec<String>,
    pub(crate) error: Option<String>,
    /// The value of a text or date control.
    pub(crate) value: String,
    pub(crate) options: Vec<OptionView>,
    /// Space-separated ids of the hint, help and error, for `aria-describedby`.
    pub(crate) described_by: String,
    /// The `show_if` condition as JSON, for the script that hides follow-up questions.
    pub(crate) show_if: String,
    /// Whether some `show_if` on the page tests this answer, so the script must read it. Only
    /// those fields carry the name and kind the script reads, which keeps pages small.
    pub(crate) watched: bool,
}

impl FieldView {
    /// Whether the question is a group of controls inside a fieldset.
    pub(crate) fn is_group(&self) -> bool {
        matches!(self.control, Control::Radios | Control::Checkboxes | Control::Scale | Control::Consent)
    }

    /// How the script reads the field's answer: `single`, `multiple`, `scale` or `text`.
    pub(crate) fn kind_name(&self) -> &'static str {
        match self.control {
            Control::Radios | Control::Consent => "single",
            Control::Checkboxes => "multiple",
            Control::Scale => "scale",
            Control::Text | Control::TextArea | Control::Date => "text",
        }
    }

    /// The id of the hint element.
    pub(crate) fn hint_id(&self) -> String {
        format!("{}-hint", self.control_id)
    }

    /// The id of the help element.
    pub(crate) fn help_id(&self) -> String {
        format!("{}-help", self.control_id)
    }

    /// The id of the error message.
    pub(crate) fn error_id(&self) -> String {
        format!("{}-error", self.control_id)
    }

    /// The id of the consent text.
    pub(crate) fn text_id(&self) -> String {
        format!("{}-text", self.control_id)
    }
}

/// A link in the error summary.
#[derive(Debug)]
pub(crate) struct SummaryLink {
    pub(crate) href: String,
    pub(crate) message: String,
}

/// Everything the form template needs besides the page frame.
#[derive(Debug)]
pub(crate) struct FormView {
    pub(crate) sections: Vec<SectionView>,
    pub(crate) summary: Vec<SummaryLink>,
    /// Whether some answers are left out of a saved draft (the safety questions), which the
    /// partner is told beside the save button.
    pub(crate) has_unkept: bool,
    /// Whether every error is a follow-up question not answered at all: the answers called for
    /// questions the page had not asked yet (the rest of the PHQ-9 after a positive PHQ-2), so
    /// the summary asks for a few more answers rather than reporting a problem.
    pub(crate) more_questions: bool,
}

/// Builds the view of the whole form.
pub(crate) fn form_view(
    questionnaire: &Questionnaire,
    raw: &RawAnswers,
    errors: &[FieldError],
    secrets_policy: Option<&str>,
) -> FormView {
    let messages: BTreeMap<&str, &str> = errors.iter().map(|e| (e.question.as_str(), e.message.as_str())).collect();
    let mut watched = BTreeSet::new();
    for condition in questionnaire.questions().filter_map(|q| q.show_if.as_ref()) {
        tested_questions(condition, &mut watched);
    }
    let sections = questionnaire
        .sections
        .iter()
        .map(|section| section_view(section, raw, &messages, secrets_policy, &watched))
        .collect();
    let summary = errors
        .iter()
        .map(|e| SummaryLink { href: format!("#{}", control_id(&e.question)), message: e.message.clone() })
        .collect();
    let has_unkept = questionnaire.questions().any(|question| !question.kept_in_drafts);
    let unanswered_follow_up = |error: &FieldError| {
        let follows = questionnaire.question(&error.question).is_some_and(|q| q.show_if.is_some());
        follows && raw.get(&error.question).is_none_or(|values| values.iter().all(|v| v.trim().is_empty()))
    };
    let more_questions = !errors.is_empty() && errors.iter().all(unanswered_follow_up);
    FormView { sections, summary, has_unkept, more_questions }
}

fn section_view(
    section: &Section,
    raw: &RawAnswers,
    messages: &BTreeMap<&str, &str>,
    secrets_policy: Option<&str>,
    watched: &BTreeSet<&str>,
) -> SectionView {
    SectionView {
        id: format!("section-{}", section.id),
        title: section.title.clone(),
        intro: section.intro.clone(),
        fields: section
            .questions
            .iter()
            .map(|q| {
                let policy = if is_secrets_agreement(q) { secrets_policy } else { None };
                let mut field = field_view(
                    q,
                    raw.get(&q.id).map_or(&[][..], Vec::as_slice),
                    messages.get(q.id.as_str()).copied(),
                    policy,
                );
                field.watched = watched.contains(q.id.as_str());
                field
            })
            .collect(),
    }
}

/// The questions a condition tests, at any depth. Conditions on scores need no field: the script
/// does not evaluate them, and the server decides.
fn tested_questions<'a>(condition: &'a Condition, out: &mut BTreeSet<&'a str>) {
    out.extend(condition.question.as_deref());
    for inner in condition.any.iter().chain(&condition.all) {
        tested_questions(inner, out);
    }
}

/// The agreement about secrets is the consent question whose id speaks of secrets.
fn is_secrets_agreement(question: &Question) -> bool {
    question.kind == QuestionKind::Consent && question.id.contains("secret")
}

/// The id of a question's first control.
pub(crate) fn control_id(question_id: &str) -> String {
    format!("{CONTROL_PREFIX}{question_id}")
}

fn field_view(question: &Question, values: &[String], error: Option<&str>, policy: Option<&str>) -> FieldView {
    let control_id = control_id(&question.id);
    let control = match question.kind {
        QuestionKind::YesNo | QuestionKind::Single => Control::Radios,
        QuestionKind::Multiple => Control::Checkboxes,
        QuestionKind::Scale => Control::Scale,
        QuestionKind::ShortText => Control::Text,
        QuestionKind::LongText => Control::TextArea,
        QuestionKind::Date => Control::Date,
        QuestionKind::Consent => Control::Consent,
    };
    let choices: Vec<(String, String, String)> = match question.kind {
        QuestionKind::YesNo => {
            vec![("yes".into(), "Yes".into(), String::new()), ("no".into(), "No".into(), String::new())]
        }
        QuestionKind::Single | QuestionKind::Multiple => {
            question.options.iter().map(|o| (o.value.clone(), o.label.clone(), String::new())).collect()
        }
        QuestionKind::Scale => scale_choices(question),
        QuestionKind::Consent => vec![("yes".into(), consent_box_label(question).into(), String::new())],
        _ => Vec::new(),
    };
    let options = choices
        .into_iter()
        .enumerate()
        .map(|(n, (value, label, note))| OptionView {
            id: if n == 0 { control_id.clone() } else { format!("{control_id}-{}", n + 1) },
            checked: values.iter().any(|v| v.trim() == value),
            value,
            label,
            note,
        })
        .collect();
    let mut field = FieldView {
        name: question.id.clone(),
        control_id,
        control,
        label: question.label.clone(),
        hint: question.hint.clone(),
        help: paragraphs(&question.help),
        policy: policy.map(paragraphs).unwrap_or_default(),
        consent_text: paragraphs(&question.text),
        error: error.map(str::to_owned),
        value: values.first().cloned().unwrap_or_default(),
        options,
        described_by: String::new(),
        show_if: question.show_if.as_ref().and_then(|c| serde_json::to_string(c).ok()).unwrap_or_default(),
        watched: false,
    };
    field.described_by = described_by(&field);
    field
}

fn scale_choices(question: &Question) -> Vec<(String, String, String)> {
    let (min, max) = (question.min.unwrap_or(0), question.max.unwrap_or(10));
    (min..=max)
        .map(|n| {
            let note = if n == min {
                question.min_label.clone()
            } else if n == max {
                question.max_label.clone()
            } else {
                String::new()
            };
            (n.to_string(), n.to_string(), note)
        })
        .collect()
}

fn consent_box_label(question: &Question) -> &'static str {
    if is_secrets_agreement(question) { "I have read and understood this" } else { "I have read and agree to this" }
}

fn described_by(field: &FieldView) -> String {
    let mut ids = Vec::new();
    if !field.hint.is_empty() {
        ids.push(field.hint_id());
    }
    if !field.help.is_empty() {
        ids.push(field.help_id());
    }
    if !field.consent_text.is_empty() {
        ids.push(field.text_id());
    }
    if field.error.is_some() {
        ids.push(field.error_id());
    }
    ids.join(" ")
}

/// Splits text into paragraphs at blank lines, joining the lines within each.
pub(crate) fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").map(|p| p.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|p| !p.is_empty()).collect()
}

/// The first word of a display name, for the greeting.
pub(crate) fn first_name(display_name: &str) -> &str {
    display_name.split_whitespace().next().unwrap_or(display_name)
}

/// What follows "Hello" on the page: ", " and the first name, or nothing for a link made before
/// the relay, which knows no name to greet.
pub(crate) fn greeting(display_name: Option<&str>) -> String {
    display_name.map(first_name).filter(|name| !name.is_empty()).map(|name| format!(", {name}")).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_split_at_blank_lines() {
        assert_eq!(paragraphs("One\nline.\n\nTwo.\n"), vec!["One line.", "Two."]);
        assert!(paragraphs("  \n").is_empty());
    }

    #[test]
    fn the_greeting_uses_the_first_name() {
        assert_eq!(first_name("José Núñez"), "José");
        assert_eq!(first_name("Zoë"), "Zoë");
        assert_eq!(greeting(Some("José Núñez")), ", José");
        assert_eq!(greeting(None), "", "a link from before the relay greets without a name");
    }
}
