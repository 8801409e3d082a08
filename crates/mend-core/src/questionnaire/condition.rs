//! Conditions on answers and scores: whether one holds, and the answers that make it hold.

use super::{Answer, Answers, Condition, Evidence, Questionnaire, Score};

pub(super) fn collect_evidence(
    q: &Questionnaire,
    c: &Condition,
    answers: &Answers,
    scores: &[Score],
    out: &mut Vec<Evidence>,
) {
    if !holds(c, answers, scores) {
        return;
    }
    if let Some(id) = &c.question
        && let (Some(question), Some(answer)) = (q.question(id), answers.get(id))
        && !out.iter().any(|e| &e.question == id)
    {
        out.push(Evidence {
            question: id.clone(),
            label: question.label.clone(),
            answer: q.describe(question, answer),
        });
    }
    if let Some(id) = &c.score
        && let Some(score) = scores.iter().find(|s| &s.id == id)
    {
        out.push(Evidence {
            question: id.clone(),
            label: score.title.clone(),
            answer: format!("{} of {}", score.value.unwrap_or(0), score.max),
        });
    }
    for inner in c.any.iter().chain(&c.all) {
        collect_evidence(q, inner, answers, scores, out);
    }
}

/// Whether a condition holds. A condition on an unanswered question is false.
pub(crate) fn holds(c: &Condition, answers: &Answers, scores: &[Score]) -> bool {
    if !c.any.is_empty() {
        return c.any.iter().any(|inner| holds(inner, answers, scores));
    }
    if !c.all.is_empty() {
        return c.all.iter().all(|inner| holds(inner, answers, scores));
    }
    if let Some(id) = &c.score {
        let Some(value) = scores.iter().find(|s| &s.id == id).and_then(|s| s.value) else { return false };
        return compare(c, value);
    }
    let Some(answer) = c.question.as_ref().and_then(|id| answers.get(id)) else { return false };
    match answer {
        Answer::Number(n) => {
            if let Some(equals) = &c.equals {
                return equals.parse::<i64>().is_ok_and(|e| e == *n);
            }
            // The loader accepts `any_of` on a scale, so it must match here rather than never hold.
            if !c.any_of.is_empty() {
                return c.any_of.iter().any(|v| v.parse::<i64>().is_ok_and(|v| v == *n));
            }
            compare(c, *n)
        }
        Answer::Text(text) => c.equals.as_ref().is_some_and(|e| e == text) || c.any_of.iter().any(|v| v == text),
        Answer::Choices(values) => {
            c.equals.as_ref().is_some_and(|e| values.contains(e)) || values.iter().any(|v| c.any_of.contains(v))
        }
    }
}

fn compare(c: &Condition, value: i64) -> bool {
    c.at_least.is_none_or(|min| value >= min)
        && c.at_most.is_none_or(|max| value <= max)
        && (c.at_least.is_some() || c.at_most.is_some())
}
