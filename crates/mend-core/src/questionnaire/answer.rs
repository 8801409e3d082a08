//! One question's values from a form, read into an answer or a message saying what to fix.

use crate::day::{format_day, parse_day};

use super::{Answer, LONG_TEXT_MAX, Question, QuestionKind, SHORT_TEXT_MAX};

/// What to say when a required question was left unanswered: its own words, or a default by kind.
pub(super) fn missing_message(q: &Question) -> String {
    if !q.error.is_empty() {
        return q.error.clone();
    }
    match q.kind {
        QuestionKind::YesNo | QuestionKind::Single => "Choose one answer".to_owned(),
        QuestionKind::Multiple => "Choose at least one option".to_owned(),
        QuestionKind::Scale => format!("Choose a number from {} to {}", q.min.unwrap_or(0), q.max.unwrap_or(10)),
        QuestionKind::ShortText | QuestionKind::LongText => "Enter an answer".to_owned(),
        QuestionKind::Date => "Enter a date, for example 2024-03-17".to_owned(),
        QuestionKind::Consent => "Tick the box to show you have read this".to_owned(),
    }
}

/// Parses a question's non-empty values; `Ok(None)` when nothing was given.
pub(super) fn parse_answer(q: &Question, values: &[&str], today: time::Date) -> Result<Option<Answer>, String> {
    if values.is_empty() {
        return Ok(None);
    }
    let single = || {
        if values.len() > 1 { Err("Choose only one answer".to_owned()) } else { Ok(values[0]) }
    };
    let answer = match q.kind {
        QuestionKind::YesNo => match single()? {
            v @ ("yes" | "no") => Answer::Text(v.to_owned()),
            _ => return Err("Choose yes or no".to_owned()),
        },
        QuestionKind::Consent => match single()? {
            "yes" => Answer::Text("yes".to_owned()),
            _ => return Err(missing_message(q)),
        },
        QuestionKind::Single => {
            let v = single()?;
            if !q.options.iter().any(|o| o.value == v) {
                return Err("Choose one of the answers shown".to_owned());
            }
            Answer::Text(v.to_owned())
        }
        QuestionKind::Multiple => {
            let mut chosen: Vec<String> = Vec::new();
            for v in values {
                if !q.options.iter().any(|o| o.value == *v) {
                    return Err("Choose only from the options shown".to_owned());
                }
                if !chosen.iter().any(|c| c == v) {
                    chosen.push((*v).to_owned());
                }
            }
            // Keep the order of the options, so the same choices always store the same way.
            chosen.sort_by_key(|v| q.options.iter().position(|o| &o.value == v));
            Answer::Choices(chosen)
        }
        QuestionKind::Scale => {
            let (min, max) = (q.min.unwrap_or(0), q.max.unwrap_or(10));
            match single()?.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Answer::Number(n),
                _ => return Err(format!("Choose a number from {min} to {max}")),
            }
        }
        QuestionKind::ShortText | QuestionKind::LongText => {
            let limit = if q.kind == QuestionKind::ShortText { SHORT_TEXT_MAX } else { LONG_TEXT_MAX };
            let text = single()?;
            if text.chars().count() > limit {
                return Err(format!("Shorten your answer to {limit} characters or fewer"));
            }
            if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
                return Err("Remove the unusual characters from your answer".to_owned());
            }
            // A one-line answer (a name, a signature) is printed on one line everywhere it appears.
            if q.kind == QuestionKind::ShortText && text.contains(['\n', '\r']) {
                return Err("Write your answer on one line".to_owned());
            }
            // Every line end stored as `\n`, a lone `\r` too, so that storing is done once: `\r\r\n`
            // would otherwise become `\r\n` now and `\n` when the stored answer is sent again.
            Answer::Text(text.replace("\r\n", "\n").replace('\r', "\n"))
        }
        QuestionKind::Date => {
            // Stored as the record writes every day, so a sign, year 0 or a year the store
            // refuses elsewhere never gets in.
            let day = parse_day(single()?).map_err(|_| "Enter a real date, for example 2024-03-17".to_owned())?;
            if q.past && day > today {
                return Err("Enter a date that has already come: this one is after today".to_owned());
            }
            Answer::Text(format_day(day))
        }
    };
    Ok(Some(answer))
}

/// Read by what the JSON holds, where serde's untagged enums try each variant in turn and build
/// (and format) an error for each miss: a year of check-ins is thousands of answers read by every
/// `mend plan` and `mend progress`.
impl<'de> serde::Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AnswerVisitor;

        impl<'de> serde::de::Visitor<'de> for AnswerVisitor {
            type Value = Answer;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, a string or a list of strings")
            }

            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Answer, E> {
                Ok(Answer::Number(n))
            }

            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Answer, E> {
                i64::try_from(n).map(Answer::Number).map_err(|_| E::custom("a number too large for an answer"))
            }

            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Answer, E> {
                Ok(Answer::Text(text.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, text: String) -> Result<Answer, E> {
                Ok(Answer::Text(text))
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Answer, A::Error> {
                let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(value) = seq.next_element::<String>()? {
                    values.push(value);
                }
                Ok(Answer::Choices(values))
            }
        }

        deserializer.deserialize_any(AnswerVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::Answer;

    #[test]
    fn answers_read_back_as_the_kind_they_were_stored_as() {
        let answers =
            [Answer::Number(7), Answer::Text("7".into()), Answer::Choices(vec!["sleep".into(), "work".into()])];
        for answer in answers {
            let json = serde_json::to_string(&answer).unwrap();
            assert_eq!(serde_json::from_str::<Answer>(&json).unwrap(), answer, "{json}");
        }
        for wrong in ["7.5", "true", "null", "{}", "[1]"] {
            assert!(serde_json::from_str::<Answer>(wrong).is_err(), "{wrong} is not an answer");
        }
    }
}
