//! A published score's total from stored answers: the sum of its items, with its largest total and whether it is positive.

use super::{Answer, Answers, Question, Questionnaire, Score, ScoreRule};

pub(super) fn score(q: &Questionnaire, rule: &ScoreRule, answers: &Answers) -> Score {
    let mut total = 0;
    let mut max = 0;
    let mut complete = true;
    // A score's items are usually listed in the questionnaire's order, so each is looked for
    // after the one before, and from the start only when it is not there: scoring a year of
    // check-ins for `mend progress` searched the whole questionnaire for every item.
    let mut rest = q.questions();
    for id in &rule.questions {
        let question = match rest.find(|question| question.id == *id) {
            Some(question) => Some(question),
            None => {
                rest = q.questions();
                rest.find(|question| question.id == *id)
            }
        };
        max += question.map_or(0, Question::largest);
        // A single choice stores its value as text ("2"); answers stored when the item was a
        // scale are numbers. Both count.
        let value = match answers.get(id) {
            Some(Answer::Number(n)) => Some(*n),
            Some(Answer::Text(text)) => text.parse::<i64>().ok(),
            _ => None,
        };
        match value {
            Some(n) => total += n,
            None => complete = false,
        }
    }
    let value = complete.then_some(total);
    Score {
        id: rule.id.clone(),
        title: rule.title.clone(),
        value,
        max,
        cutoff: rule.cutoff,
        positive: value.zip(rule.cutoff).is_some_and(|(v, cutoff)| v >= cutoff),
    }
}
