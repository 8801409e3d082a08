//! Table-driven tests of the intake questionnaire in `content/intake/intake.toml`: what is asked,
//! what is rejected, the PHQ-2 and GAD-2 scores, the flags raised and the stage a couple starts at.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use mend_core::questionnaire::{Condition, FlagRule, QuestionKind};
use mend_core::{Answer, Evaluation, Program, Questionnaire, RawAnswers, Severity};
use time::Date;
use time::macros::date;

/// The questionnaire as mend ships it, checked by the same loader `mend` uses.
static QUESTIONNAIRE: LazyLock<Questionnaire> = LazyLock::new(|| match Program::embedded() {
    Ok(program) => program.questionnaire,
    Err(errors) => panic!("the embedded content does not load:\n{errors}"),
});

/// The day the tests are run on, as far as the questionnaire knows.
const TODAY: Date = date!(2026 - 06 - 15);

/// A starting point for a partner's answers, before a case changes some of them.
#[derive(Debug, Clone, Copy)]
enum Base {
    /// Nothing answered at all.
    Empty,
    /// A complete form from a hurt partner that raises no flag.
    Hurt,
    /// A complete form from the partner who broke trust that raises no flag.
    BrokeTrust,
}

/// What a case expects of the evaluation.
#[derive(Debug)]
enum Expect<'a> {
    /// The form is accepted; each question's stored answer (`None` = not stored), written as
    /// `show` writes it.
    Stored(&'a [(&'a str, Option<&'a str>)]),
    /// Exactly these errors, in question order: (question, message).
    Errors(&'a [(&'a str, &'a str)]),
    /// These scores: (id, value, positive). Scores are computed from whatever valid answers
    /// there are, so errors are not checked.
    Scores(&'a [(&'a str, Option<i64>, bool)]),
    /// The form is accepted and raises exactly these flags, most severe first.
    Flags(&'a [&'a str]),
    /// The form is accepted and the flag names exactly these answers: (question, answer in words).
    Evidence(&'a str, &'a [(&'a str, &'a str)]),
    /// With the other partner's answers (base and changes), both forms are accepted and the
    /// couple starts at this stage (`None`: no rule holds) for a reason containing these words.
    Start { with: Base, changes: &'a [&'a str], stage: Option<&'a str>, reason_has: &'a str },
}

/// One row of a table: answers from a base with some changes, and what should come of them.
#[derive(Debug)]
struct Case<'a> {
    /// What the case proves, printed when it fails.
    name: &'a str,
    /// Where the answers start from.
    base: Base,
    /// Changes: `id=value` (several values as `a|b`) sets an answer, `-id` removes it.
    changes: &'a [&'a str],
    /// What should come of it.
    expect: Expect<'a>,
}

/// The answers both bases share: a calm, committed partner with no risk and no symptoms.
const CALM: &[(&str, &str)] = &[
    ("name", "Zoë"),
    ("pronouns", "she/her"),
    ("breach", "lies"),
    ("came_to_light", "told"),
    ("how_long_ago", "1-6-months"),
    ("still_going_on", "no"),
    ("happened_before", "no"),
    ("commitment", "8"),
    ("hope", "repair"),
    ("trust_boundaries", "2"),
    ("trust_honest", "2"),
    ("trust_best_interest", "3"),
    ("trust_promises", "1"),
    ("trust_safety", "2"),
    ("phq2_interest", "0"),
    ("phq2_down", "1"),
    ("gad2_nervous", "1"),
    ("gad2_worry", "0"),
    ("arguments", "calm-talks"),
    ("feel_heard", "5"),
    ("told_imagining", "never"),
    ("afraid_of_partner", "no"),
    ("hurt_or_threatened", "no"),
    ("hurt_before", "no"),
    ("strangled", "no"),
    ("weapon", "no"),
    ("threatened_harm", "no"),
    ("suicide_threats", "no"),
    ("controlled", "no"),
    ("monitored", "no"),
    ("sexual_pressure", "no"),
    ("harassed", "no"),
    ("self_harm_thoughts", "no"),
    ("self_harm_past", "no"),
    ("substance_use", "no"),
    ("children_at_home", "no"),
    ("safe_to_contact", "yes"),
    ("earlier_therapy", "no"),
    ("secrets_policy", "yes"),
    ("consent", "yes"),
    ("signature", "José Núñez"),
];

/// Builds a partner's raw answers from a base and a case's changes.
fn answers(base: Base, changes: &[&str]) -> RawAnswers {
    let own: &[(&str, &str)] = match base {
        Base::Empty => &[],
        Base::Hurt => &[("role", "hurt"), ("questions_open", "no"), ("partner_accountable", "yes")],
        Base::BrokeTrust => &[("role", "broke_trust"), ("accepts_responsibility", "yes")],
    };
    let shared = if matches!(base, Base::Empty) { &[][..] } else { CALM };
    let mut raw: RawAnswers =
        shared.iter().chain(own).map(|(id, value)| ((*id).to_owned(), vec![(*value).to_owned()])).collect();
    for change in changes {
        if let Some(id) = change.strip_prefix('-') {
            assert!(raw.remove(id).is_some(), "change {change:?} removes an answer the base does not have");
        } else {
            let (id, values) = change.split_once('=').expect("a change is `id=value` or `-id`");
            raw.insert(id.to_owned(), values.split('|').map(str::to_owned).collect());
        }
    }
    raw
}

/// An answer written compactly: a number, a text, or chosen values joined by `|`.
fn show(answer: &Answer) -> String {
    match answer {
        Answer::Number(n) => n.to_string(),
        Answer::Text(text) => text.clone(),
        Answer::Choices(values) => values.join("|"),
    }
}

fn assert_accepted(name: &str, evaluation: &Evaluation) {
    assert!(evaluation.errors.is_empty(), "{name}: expected the form to be accepted, got {:?}", evaluation.errors);
}

/// Checks a case against the questionnaire as shipped.
fn check(case: &Case<'_>) {
    check_with(&QUESTIONNAIRE, case);
}

/// The one place that evaluates answers; every table goes through it, most with the
/// questionnaire as shipped, some with one changed for the test.
fn check_with(q: &Questionnaire, case: &Case<'_>) {
    let name = case.name;
    let raw = answers(case.base, case.changes);
    let evaluation = q.evaluate(&raw, TODAY);
    // The check a sent form gets agrees with the evaluation: the same answers, or the same
    // mistakes; and what it hands the store never shows an answer when printed for debugging.
    match q.check(&raw, TODAY) {
        Ok(checked) => {
            assert_accepted(name, &evaluation);
            assert_eq!(checked.answers(), &evaluation.answers, "{name}: checked answers");
            assert_eq!(format!("{checked:?}"), format!("CheckedAnswers({} answers)", evaluation.answers.len()));
        }
        Err(errors) => assert_eq!(errors, evaluation.errors, "{name}: the check's mistakes"),
    }
    match &case.expect {
        Expect::Stored(stored) => {
            assert_accepted(name, &evaluation);
            for (id, want) in *stored {
                let got = evaluation.answers.get(*id).map(show);
                assert_eq!(got.as_deref(), *want, "{name}: stored answer to {id}");
            }
        }
        Expect::Errors(want) => {
            let got: Vec<(&str, &str)> =
                evaluation.errors.iter().map(|e| (e.question.as_str(), e.message.as_str())).collect();
            assert_eq!(got, *want, "{name}: errors");
        }
        Expect::Scores(want) => {
            for (id, value, positive) in *want {
                let score =
                    evaluation.scores.iter().find(|s| s.id == *id).unwrap_or_else(|| panic!("{name}: no score {id}"));
                assert_eq!((score.value, score.positive), (*value, *positive), "{name}: score {id}");
                assert_eq!((score.max, score.cutoff), (6, Some(3)), "{name}: score {id} range");
            }
        }
        Expect::Flags(want) => {
            assert_accepted(name, &evaluation);
            let got: Vec<&str> = evaluation.flags.iter().map(|f| f.id.as_str()).collect();
            assert_eq!(got, *want, "{name}: flags raised");
        }
        Expect::Evidence(flag, want) => {
            assert_accepted(name, &evaluation);
            let raised =
                evaluation.flags.iter().find(|f| f.id == *flag).unwrap_or_else(|| panic!("{name}: {flag} not raised"));
            let got: Vec<(&str, &str)> =
                raised.because.iter().map(|e| (e.question.as_str(), e.answer.as_str())).collect();
            assert_eq!(got, *want, "{name}: evidence for {flag}");
        }
        Expect::Start { with, changes, stage, reason_has } => {
            assert_accepted(name, &evaluation);
            let other = q.evaluate(&answers(*with, changes), TODAY);
            assert_accepted(name, &other);
            let rule = q.start_rule(&[&evaluation.answers, &other.answers]);
            let swapped = q.start_rule(&[&other.answers, &evaluation.answers]);
            assert_eq!(rule, swapped, "{name}: the start must not depend on which partner comes first");
            assert_eq!(rule.map(|r| r.stage.as_str()), *stage, "{name}: start stage");
            if let Some(rule) = rule {
                assert!(rule.reason.contains(reason_has), "{name}: reason {:?} lacks {reason_has:?}", rule.reason);
            }
        }
    }
}

#[test]
fn calm_forms_are_accepted_and_keep_their_answers() {
    let cases = [
        Case {
            name: "a hurt partner's calm form",
            base: Base::Hurt,
            changes: &[],
            expect: Expect::Stored(&[
                ("name", Some("Zoë")),
                ("role", Some("hurt")),
                ("commitment", Some("8")),
                ("breach", Some("lies")),
                ("signature", Some("José Núñez")),
                ("consent", Some("yes")),
            ]),
        },
        Case {
            name: "a hurt partner's calm form raises nothing",
            base: Base::Hurt,
            changes: &[],
            expect: Expect::Flags(&[]),
        },
        Case {
            name: "the broke-trust partner's calm form raises nothing",
            base: Base::BrokeTrust,
            changes: &[],
            expect: Expect::Flags(&[]),
        },
        Case {
            name: "choices are stored in the order of the options, once each",
            base: Base::Hurt,
            changes: &["breach=financial|lies|financial", "arguments=silence|shouting"],
            expect: Expect::Stored(&[("breach", Some("lies|financial")), ("arguments", Some("shouting|silence"))]),
        },
        Case {
            name: "answers are trimmed and Windows line ends become plain ones",
            base: Base::Hurt,
            changes: &["name=  Łukasz  ", "goals=Talk again.\r\nSleep."],
            expect: Expect::Stored(&[("name", Some("Łukasz")), ("goals", Some("Talk again.\nSleep."))]),
        },
        Case {
            name: "every line end is stored one way, once: a lone carriage return too",
            base: Base::Hurt,
            changes: &["goals=Talk.\r\r\nSleep.\rWalk."],
            expect: Expect::Stored(&[("goals", Some("Talk.\n\nSleep.\nWalk."))]),
        },
        Case {
            name: "optional questions may be left out or blank",
            base: Base::Hurt,
            changes: &["-pronouns", "-safe_to_contact", "symptoms=", "came_to_light_on="],
            expect: Expect::Stored(&[
                ("pronouns", None),
                ("safe_to_contact", None),
                ("symptoms", None),
                ("came_to_light_on", None),
            ]),
        },
        Case {
            name: "a real date is kept",
            base: Base::Hurt,
            changes: &["came_to_light_on=2024-02-29"],
            expect: Expect::Stored(&[("came_to_light_on", Some("2024-02-29"))]),
        },
        Case {
            name: "fields the form does not ask are dropped",
            base: Base::Hurt,
            changes: &["favourite_colour=blue"],
            expect: Expect::Stored(&[("favourite_colour", None)]),
        },
    ];
    cases.iter().for_each(check);
}

#[test]
fn hidden_questions_are_not_asked_and_their_answers_are_dropped() {
    let cases = [
        Case {
            name: "a hurt partner is not asked whether they accept responsibility",
            base: Base::Hurt,
            changes: &["accepts_responsibility=no"],
            expect: Expect::Stored(&[("accepts_responsibility", None), ("partner_accountable", Some("yes"))]),
        },
        Case {
            name: "a hurt partner's hidden answer raises no flag",
            base: Base::Hurt,
            changes: &["accepts_responsibility=no"],
            expect: Expect::Flags(&[]),
        },
        Case {
            name: "the partner who broke trust is not asked about open questions or the other's accountability",
            base: Base::BrokeTrust,
            changes: &["questions_open=yes", "partner_accountable=no"],
            expect: Expect::Stored(&[
                ("questions_open", None),
                ("partner_accountable", None),
                ("accepts_responsibility", Some("yes")),
            ]),
        },
        Case {
            name: "a partner who says both broke trust is asked both accountability questions",
            base: Base::Hurt,
            changes: &["role=both", "accepts_responsibility=partly"],
            expect: Expect::Stored(&[("partner_accountable", Some("yes")), ("accepts_responsibility", Some("partly"))]),
        },
        Case {
            name: "the outside relationship is not asked about when the breach was lies",
            base: Base::Hurt,
            changes: &["outside_relationship_ended=no"],
            expect: Expect::Stored(&[("outside_relationship_ended", None)]),
        },
        Case {
            name: "a hidden 'still going on' raises no affair flag",
            base: Base::Hurt,
            changes: &["breach=lies|financial", "outside_relationship_ended=no"],
            expect: Expect::Flags(&[]),
        },
        Case {
            name: "the outside relationship is asked about after an emotional betrayal",
            base: Base::Hurt,
            changes: &["breach=emotional-betrayal", "outside_relationship_ended=yes"],
            expect: Expect::Stored(&[("outside_relationship_ended", Some("yes"))]),
        },
        Case {
            name: "what else broke trust is asked only when 'something else' is chosen",
            base: Base::Hurt,
            changes: &["breach=lies", "breach_other=Gambling"],
            expect: Expect::Stored(&[("breach_other", None)]),
        },
        Case {
            name: "what else broke trust is kept when 'something else' is chosen",
            base: Base::Hurt,
            changes: &["breach=lies|other", "breach_other=Gambling"],
            expect: Expect::Stored(&[("breach_other", Some("Gambling"))]),
        },
        Case {
            name: "what helped before is dropped when there was no earlier therapy",
            base: Base::Hurt,
            changes: &["earlier_therapy_helped=Nothing much"],
            expect: Expect::Stored(&[("earlier_therapy_helped", None)]),
        },
        Case {
            name: "what helped before is kept after earlier therapy",
            base: Base::Hurt,
            changes: &["earlier_therapy=yes", "earlier_therapy_helped=Nothing much"],
            expect: Expect::Stored(&[("earlier_therapy_helped", Some("Nothing much"))]),
        },
        Case {
            name: "whether the children saw fights is asked only when children live at home",
            base: Base::Hurt,
            changes: &["children_saw=violence"],
            expect: Expect::Stored(&[("children_saw", None)]),
        },
        Case {
            name: "whether the children saw fights is kept when children live at home",
            base: Base::Hurt,
            changes: &["children_at_home=yes", "children_saw=arguments"],
            expect: Expect::Stored(&[("children_saw", Some("arguments"))]),
        },
        Case {
            name: "access to means is not asked without thoughts of self-harm or a past attempt",
            base: Base::Hurt,
            changes: &["self_harm_means=yes"],
            expect: Expect::Stored(&[("self_harm_means", None)]),
        },
        Case {
            name: "access to means is asked after a past attempt",
            base: Base::Hurt,
            changes: &["self_harm_past=yes", "self_harm_means=no"],
            expect: Expect::Stored(&[("self_harm_means", Some("no"))]),
        },
        Case {
            name: "whether something is still going on is asked whatever the breach",
            base: Base::BrokeTrust,
            changes: &["breach=financial", "still_going_on=yes"],
            expect: Expect::Stored(&[("still_going_on", Some("yes"))]),
        },
        Case {
            name: "the PHQ-2 and GAD-2 answers are stored as their published values",
            base: Base::Hurt,
            changes: &["phq2_interest=3", "gad2_nervous=2"],
            expect: Expect::Stored(&[("phq2_interest", Some("3")), ("gad2_nervous", Some("2"))]),
        },
        Case {
            name: "required questions that are hidden are not missing",
            base: Base::BrokeTrust,
            changes: &[],
            expect: Expect::Errors(&[]),
        },
    ];
    cases.iter().for_each(check);
}

#[test]
fn missing_required_answers_name_the_question() {
    let cases = [
        Case {
            name: "an empty form lists every visible required question, in order",
            base: Base::Empty,
            changes: &[],
            expect: Expect::Errors(&[
                ("name", "Enter the name you would like to be called"),
                ("secrets_policy", "Tick the box to show you have read how your therapist handles secrets"),
                ("breach", "Choose at least one thing that broke trust"),
                ("role", "Choose which describes you best"),
                ("came_to_light", "Choose how it came to light"),
                ("how_long_ago", "Choose how long ago it came to light"),
                ("still_going_on", "Choose whether anything that broke trust is still going on"),
                ("happened_before", "Choose yes if trust has been broken like this before, or no if it has not"),
                ("commitment", "Choose how committed you are, from 0 to 10"),
                ("hope", "Choose what you most hope therapy will do"),
                (
                    "trust_boundaries",
                    "Choose how much you believe your partner respects your emotional boundaries, from 0 to 4",
                ),
                ("trust_honest", "Choose how much you believe your partner is honest with you, from 0 to 4"),
                (
                    "trust_best_interest",
                    "Choose how much you believe your partner acts with your wellbeing at heart, from 0 to 4",
                ),
                ("trust_promises", "Choose how much you believe your partner does what they promise, from 0 to 4"),
                ("trust_safety", "Choose how emotionally safe you feel with your partner, from 0 to 4"),
                ("phq2_interest", "Choose how often you have had little interest or pleasure in doing things"),
                ("phq2_down", "Choose how often you have felt down, depressed or hopeless"),
                ("gad2_nervous", "Choose how often you have felt nervous, anxious or on edge"),
                ("gad2_worry", "Choose how often you have not been able to stop or control worrying"),
                ("arguments", "Choose at least one way your disagreements usually go"),
                ("feel_heard", "Choose how heard you feel, from 0 to 10"),
                (
                    "told_imagining",
                    "Choose how often your partner tells you that your reactions are wrong or that you are imagining things",
                ),
                ("afraid_of_partner", "Choose yes if you are ever afraid of your partner, or no if you are not"),
                (
                    "hurt_or_threatened",
                    "Choose yes if your partner has hurt, pushed, hit or threatened you in the past year, or no if not",
                ),
                (
                    "hurt_before",
                    "Choose yes if your partner hurt, pushed or hit you more than a year ago, or no if not",
                ),
                ("strangled", "Choose yes if your partner has ever choked or strangled you, or no if not"),
                ("weapon", "Choose yes if your partner has ever used or threatened you with a weapon, or no if not"),
                (
                    "threatened_harm",
                    "Choose yes if your partner has threatened to hurt or kill you or someone else, or no if not",
                ),
                (
                    "suicide_threats",
                    "Choose yes if your partner has said they would harm themselves to stop you leaving or to get their way, or no if not",
                ),
                ("controlled", "Choose yes if your partner controls your money, phone or who you see, or no if not"),
                ("monitored", "Choose whether your partner checks on you in ways you have not agreed to"),
                (
                    "sexual_pressure",
                    "Choose yes if your partner has ever pressured or forced you into a sexual act, or no if not",
                ),
                (
                    "harassed",
                    "Choose yes if someone else is contacting, following or threatening you against your wishes, or no if not",
                ),
                (
                    "self_harm_thoughts",
                    "Choose whether you have had thoughts of harming or killing yourself in the last 2 weeks",
                ),
                ("self_harm_past", "Choose yes if you have ever tried to harm or kill yourself, or no if not"),
                ("substance_use", "Choose whether drinking or drug use causes problems between you"),
                ("children_at_home", "Choose yes if children live with you, or no if not"),
                ("earlier_therapy", "Choose yes if you have had counselling or therapy before, or no if you have not"),
                ("consent", "Tick the box to show you agree to how your answers are kept"),
                ("signature", "Type your full name to sign"),
            ]),
        },
        Case {
            name: "a hurt partner must say whether questions are still open",
            base: Base::Hurt,
            changes: &["-questions_open"],
            expect: Expect::Errors(&[(
                "questions_open",
                "Choose yes if you still have questions that have not been answered, or no if you do not",
            )]),
        },
        Case {
            name: "a hurt partner must say whether the other takes responsibility",
            base: Base::Hurt,
            changes: &["-partner_accountable"],
            expect: Expect::Errors(&[("partner_accountable", "Choose how far your partner takes responsibility")]),
        },
        Case {
            name: "the partner who broke trust must say whether they take responsibility",
            base: Base::BrokeTrust,
            changes: &["-accepts_responsibility"],
            expect: Expect::Errors(&[("accepts_responsibility", "Choose how far you take responsibility")]),
        },
        Case {
            name: "after an affair, whether it has ended must be answered",
            base: Base::Hurt,
            changes: &["breach=affair"],
            expect: Expect::Errors(&[(
                "outside_relationship_ended",
                "Choose whether the relationship with the other person has ended",
            )]),
        },
        Case {
            name: "with children at home, whether they saw fights must be answered",
            base: Base::Hurt,
            changes: &["children_at_home=yes"],
            expect: Expect::Errors(&[(
                "children_saw",
                "Choose whether the children have seen or heard fights between you",
            )]),
        },
        Case {
            name: "with thoughts of self-harm, access to means must be answered",
            base: Base::Hurt,
            changes: &["self_harm_thoughts=sometimes"],
            expect: Expect::Errors(&[(
                "self_harm_means",
                "Choose yes if you could easily get hold of something you might use to harm yourself, or no if not",
            )]),
        },
        Case {
            name: "a signature of spaces is no signature",
            base: Base::Hurt,
            changes: &["signature=   "],
            expect: Expect::Errors(&[("signature", "Type your full name to sign")]),
        },
        Case {
            name: "each safety question must be answered",
            base: Base::Hurt,
            changes: &["-afraid_of_partner", "-self_harm_thoughts"],
            expect: Expect::Errors(&[
                ("afraid_of_partner", "Choose yes if you are ever afraid of your partner, or no if you are not"),
                (
                    "self_harm_thoughts",
                    "Choose whether you have had thoughts of harming or killing yourself in the last 2 weeks",
                ),
            ]),
        },
    ];
    cases.iter().for_each(check);
}

#[test]
fn invalid_answers_are_rejected_with_what_to_do() {
    let long_signature = format!("signature={}", "Ł".repeat(201));
    let longest_signature = format!("signature={}", "Ł".repeat(200));
    let long_goals = format!("goals={}", "a".repeat(5001));
    let cases = [
        Case {
            name: "an option the question does not offer",
            base: Base::Hurt,
            changes: &["came_to_light=rumour"],
            expect: Expect::Errors(&[("came_to_light", "Choose one of the answers shown")]),
        },
        Case {
            name: "a multiple choice with an option not offered",
            base: Base::Hurt,
            changes: &["breach=lies|gambling"],
            expect: Expect::Errors(&[("breach", "Choose only from the options shown")]),
        },
        Case {
            name: "two values for a single choice; questions that hang on it are not asked",
            base: Base::Hurt,
            changes: &["role=hurt|broke_trust"],
            expect: Expect::Errors(&[("role", "Choose only one answer")]),
        },
        Case {
            name: "two values for a yes/no",
            base: Base::Hurt,
            changes: &["controlled=yes|no"],
            expect: Expect::Errors(&[("controlled", "Choose only one answer")]),
        },
        Case {
            name: "a yes/no that is neither",
            base: Base::Hurt,
            changes: &["afraid_of_partner=maybe"],
            expect: Expect::Errors(&[("afraid_of_partner", "Choose yes or no")]),
        },
        Case {
            name: "a scale above its top",
            base: Base::Hurt,
            changes: &["commitment=11"],
            expect: Expect::Errors(&[("commitment", "Choose a number from 0 to 10")]),
        },
        Case {
            name: "a scale below its bottom",
            base: Base::Hurt,
            changes: &["feel_heard=-1"],
            expect: Expect::Errors(&[("feel_heard", "Choose a number from 0 to 10")]),
        },
        Case {
            name: "a PHQ-2 item above 3",
            base: Base::Hurt,
            changes: &["phq2_down=4"],
            expect: Expect::Errors(&[("phq2_down", "Choose one of the answers shown")]),
        },
        Case {
            name: "a GAD-2 item given in words rather than its value",
            base: Base::Hurt,
            changes: &["gad2_worry=Several days"],
            expect: Expect::Errors(&[("gad2_worry", "Choose one of the answers shown")]),
        },
        Case {
            name: "a trust belief above 4",
            base: Base::Hurt,
            changes: &["trust_safety=5"],
            expect: Expect::Errors(&[("trust_safety", "Choose a number from 0 to 4")]),
        },
        Case {
            name: "a scale that is not a whole number",
            base: Base::Hurt,
            changes: &["commitment=7.5"],
            expect: Expect::Errors(&[("commitment", "Choose a number from 0 to 10")]),
        },
        Case {
            name: "a date that does not exist",
            base: Base::Hurt,
            changes: &["came_to_light_on=2023-02-29"],
            expect: Expect::Errors(&[("came_to_light_on", "Enter a real date, for example 2024-03-17")]),
        },
        Case {
            name: "a date in another format",
            base: Base::Hurt,
            changes: &["came_to_light_on=17/03/2024"],
            expect: Expect::Errors(&[("came_to_light_on", "Enter a real date, for example 2024-03-17")]),
        },
        Case {
            name: "a date without leading zeros",
            base: Base::Hurt,
            changes: &["came_to_light_on=2024-3-7"],
            expect: Expect::Errors(&[("came_to_light_on", "Enter a real date, for example 2024-03-17")]),
        },
        Case {
            name: "a short text one character too long (counted in characters, not bytes)",
            base: Base::Hurt,
            changes: &[&long_signature],
            expect: Expect::Errors(&[("signature", "Shorten your answer to 200 characters or fewer")]),
        },
        Case {
            name: "a short text exactly at its limit",
            base: Base::Hurt,
            changes: &[&longest_signature],
            expect: Expect::Errors(&[]),
        },
        Case {
            name: "a long text over its limit",
            base: Base::Hurt,
            changes: &[&long_goals],
            expect: Expect::Errors(&[("goals", "Shorten your answer to 5000 characters or fewer")]),
        },
        Case {
            name: "a control character in a text",
            base: Base::Hurt,
            changes: &["name=Zo\u{7}ë"],
            expect: Expect::Errors(&[("name", "Remove the unusual characters from your answer")]),
        },
        Case {
            name: "a line break in a one-line answer",
            base: Base::Hurt,
            changes: &["signature=José\nNúñez"],
            expect: Expect::Errors(&[("signature", "Write your answer on one line")]),
        },
        Case {
            name: "a consent box sent with another value",
            base: Base::Hurt,
            changes: &["consent=no"],
            expect: Expect::Errors(&[("consent", "Tick the box to show you agree to how your answers are kept")]),
        },
        Case {
            name: "several mistakes are all reported, in question order",
            base: Base::Hurt,
            changes: &["signature=", "commitment=99", "came_to_light=rumour"],
            expect: Expect::Errors(&[
                ("came_to_light", "Choose one of the answers shown"),
                ("commitment", "Choose a number from 0 to 10"),
                ("signature", "Type your full name to sign"),
            ]),
        },
    ];
    cases.iter().for_each(check);
}

#[test]
fn phq2_and_gad2_sum_their_items_and_screen_positive_at_3() {
    let cases = [
        Case {
            name: "all zero",
            base: Base::Hurt,
            changes: &["phq2_interest=0", "phq2_down=0", "gad2_nervous=0", "gad2_worry=0"],
            expect: Expect::Scores(&[("phq2", Some(0), false), ("gad2", Some(0), false)]),
        },
        Case {
            name: "one below the cutoff",
            base: Base::Hurt,
            changes: &["phq2_interest=1", "phq2_down=1", "gad2_nervous=2", "gad2_worry=0"],
            expect: Expect::Scores(&[("phq2", Some(2), false), ("gad2", Some(2), false)]),
        },
        Case {
            name: "exactly at the cutoff",
            base: Base::Hurt,
            changes: &["phq2_interest=2", "phq2_down=1", "gad2_nervous=0", "gad2_worry=3"],
            expect: Expect::Scores(&[("phq2", Some(3), true), ("gad2", Some(3), true)]),
        },
        Case {
            name: "the highest possible",
            base: Base::Hurt,
            changes: &["phq2_interest=3", "phq2_down=3", "gad2_nervous=3", "gad2_worry=3"],
            expect: Expect::Scores(&[("phq2", Some(6), true), ("gad2", Some(6), true)]),
        },
        Case {
            name: "the two scores do not mix their items",
            base: Base::Hurt,
            changes: &["phq2_interest=3", "phq2_down=3", "gad2_nervous=0", "gad2_worry=0"],
            expect: Expect::Scores(&[("phq2", Some(6), true), ("gad2", Some(0), false)]),
        },
        Case {
            name: "an unanswered item leaves no score, and no positive screen",
            base: Base::Hurt,
            changes: &["phq2_interest=3", "-phq2_down", "gad2_nervous=3", "gad2_worry=9"],
            expect: Expect::Scores(&[("phq2", None, false), ("gad2", None, false)]),
        },
    ];
    cases.iter().for_each(check);
}

/// Each flag raised by a minimal change to a calm form, and near misses that raise nothing.
const FLAG_CASES: &[Case<'static>] = &[
    // Stop.
    Case {
        name: "afraid of partner",
        base: Base::Hurt,
        changes: &["afraid_of_partner=yes"],
        expect: Expect::Flags(&["fear-of-partner"]),
    },
    Case {
        name: "hurt or threatened",
        base: Base::Hurt,
        changes: &["hurt_or_threatened=yes"],
        expect: Expect::Flags(&["violence-or-threats"]),
    },
    Case {
        name: "controlled",
        base: Base::BrokeTrust,
        changes: &["controlled=yes"],
        expect: Expect::Flags(&["coercive-control"]),
    },
    Case {
        name: "affair still going on",
        base: Base::BrokeTrust,
        changes: &["breach=affair", "outside_relationship_ended=no"],
        expect: Expect::Flags(&["affair-ongoing", "sexual-health"]),
    },
    Case {
        name: "not sure the emotional affair has ended",
        base: Base::Hurt,
        changes: &["breach=emotional-betrayal", "outside_relationship_ended=not-sure"],
        expect: Expect::Flags(&["affair-ongoing"]),
    },
    // Told is not ended: what is still going on keeps the flag open, whatever the breach.
    Case {
        name: "an affair told but continuing keeps affair-ongoing open",
        base: Base::BrokeTrust,
        changes: &["breach=affair", "came_to_light=told", "outside_relationship_ended=no", "still_going_on=yes"],
        expect: Expect::Flags(&["affair-ongoing", "sexual-health"]),
    },
    Case {
        name: "an affair the hurt partner was told about, still going on by their account",
        base: Base::Hurt,
        changes: &["breach=affair", "came_to_light=told", "outside_relationship_ended=yes", "still_going_on=yes"],
        expect: Expect::Flags(&["affair-ongoing", "sexual-health"]),
    },
    Case {
        name: "a lies breach with something still going on raises it too",
        base: Base::Hurt,
        changes: &["breach=lies", "still_going_on=yes"],
        expect: Expect::Flags(&["affair-ongoing"]),
    },
    Case {
        name: "hidden money, not sure it has stopped",
        base: Base::Hurt,
        changes: &["breach=financial", "still_going_on=not-sure"],
        expect: Expect::Flags(&["affair-ongoing"]),
    },
    Case {
        name: "an emotional betrayal told and ended, nothing still going on",
        base: Base::Hurt,
        changes: &["breach=emotional-betrayal", "outside_relationship_ended=yes", "still_going_on=no"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "past violence",
        base: Base::Hurt,
        changes: &["hurt_before=yes"],
        expect: Expect::Flags(&["past-violence"]),
    },
    Case {
        name: "strangulation",
        base: Base::Hurt,
        changes: &["strangled=yes"],
        expect: Expect::Flags(&["strangulation"]),
    },
    Case { name: "a weapon", base: Base::Hurt, changes: &["weapon=yes"], expect: Expect::Flags(&["weapon"]) },
    Case {
        name: "threats to harm someone else",
        base: Base::BrokeTrust,
        changes: &["threatened_harm=yes"],
        expect: Expect::Flags(&["threats-to-harm"]),
    },
    Case {
        name: "threats of suicide to stop the partner leaving",
        base: Base::Hurt,
        changes: &["suicide_threats=yes"],
        expect: Expect::Flags(&["suicide-threats-to-control"]),
    },
    Case {
        name: "monitored without agreement",
        base: Base::BrokeTrust,
        changes: &["monitored=not-agreed"],
        expect: Expect::Flags(&["monitoring"]),
    },
    Case {
        name: "sexual pressure or force",
        base: Base::Hurt,
        changes: &["sexual_pressure=yes"],
        expect: Expect::Flags(&["sexual-coercion"]),
    },
    Case {
        name: "openness both agreed to is not monitoring",
        base: Base::BrokeTrust,
        changes: &["monitored=agreed"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "thoughts of self-harm with the means at hand",
        base: Base::Hurt,
        changes: &["self_harm_thoughts=sometimes", "self_harm_means=yes"],
        expect: Expect::Flags(&["self-harm", "self-harm-means"]),
    },
    Case {
        name: "thoughts of self-harm without the means at hand",
        base: Base::Hurt,
        changes: &["self_harm_thoughts=often", "self_harm_means=no"],
        expect: Expect::Flags(&["self-harm"]),
    },
    Case {
        name: "a past attempt, the means at hand, no thoughts now",
        base: Base::BrokeTrust,
        changes: &["self_harm_past=yes", "self_harm_means=yes"],
        expect: Expect::Flags(&["past-self-harm"]),
    },
    Case {
        name: "the affair has ended",
        base: Base::Hurt,
        changes: &["breach=affair", "outside_relationship_ended=yes"],
        expect: Expect::Flags(&["sexual-health"]),
    },
    Case {
        name: "no outside relationship to end",
        base: Base::Hurt,
        changes: &["breach=emotional-betrayal", "outside_relationship_ended=not-applicable"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "self-harm thoughts sometimes",
        base: Base::Hurt,
        changes: &["self_harm_thoughts=sometimes", "self_harm_means=no"],
        expect: Expect::Flags(&["self-harm"]),
    },
    Case {
        name: "self-harm thoughts often",
        base: Base::BrokeTrust,
        changes: &["self_harm_thoughts=often", "self_harm_means=no"],
        expect: Expect::Flags(&["self-harm"]),
    },
    // Caution.
    Case {
        name: "PHQ-2 at 3",
        base: Base::Hurt,
        changes: &["phq2_interest=2", "phq2_down=1"],
        expect: Expect::Flags(&["phq2-positive"]),
    },
    Case {
        name: "PHQ-2 at 2",
        base: Base::Hurt,
        changes: &["phq2_interest=1", "phq2_down=1"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "GAD-2 at 3",
        base: Base::Hurt,
        changes: &["gad2_nervous=3", "gad2_worry=0"],
        expect: Expect::Flags(&["gad2-positive"]),
    },
    Case {
        name: "GAD-2 at 2",
        base: Base::Hurt,
        changes: &["gad2_nervous=2", "gad2_worry=0"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "happened before",
        base: Base::Hurt,
        changes: &["happened_before=yes"],
        expect: Expect::Flags(&["repeated-betrayal"]),
    },
    Case {
        name: "often told they imagine things",
        base: Base::Hurt,
        changes: &["told_imagining=often"],
        expect: Expect::Flags(&["gaslighting"]),
    },
    Case {
        name: "sometimes told they imagine things",
        base: Base::Hurt,
        changes: &["told_imagining=sometimes"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "partner takes no responsibility",
        base: Base::Hurt,
        changes: &["partner_accountable=no"],
        expect: Expect::Flags(&["no-accountability"]),
    },
    Case {
        name: "broke trust and takes no responsibility",
        base: Base::BrokeTrust,
        changes: &["accepts_responsibility=no"],
        expect: Expect::Flags(&["no-accountability"]),
    },
    Case {
        name: "partner takes partial responsibility",
        base: Base::Hurt,
        changes: &["partner_accountable=partly"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "commitment at 3",
        base: Base::Hurt,
        changes: &["commitment=3"],
        expect: Expect::Flags(&["low-commitment"]),
    },
    Case {
        name: "commitment at 0",
        base: Base::BrokeTrust,
        changes: &["commitment=0"],
        expect: Expect::Flags(&["low-commitment"]),
    },
    Case { name: "commitment at 4", base: Base::Hurt, changes: &["commitment=4"], expect: Expect::Flags(&[]) },
    Case {
        name: "intrusive pictures of what happened",
        base: Base::Hurt,
        changes: &["symptoms=intrusive-images|sleep"],
        expect: Expect::Flags(&["trauma-symptoms"]),
    },
    Case {
        name: "constantly on alert",
        base: Base::Hurt,
        changes: &["symptoms=hypervigilance"],
        expect: Expect::Flags(&["trauma-symptoms"]),
    },
    Case {
        name: "sleep and anger alone raise nothing",
        base: Base::Hurt,
        changes: &["symptoms=sleep|anger"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "children saw violence",
        base: Base::Hurt,
        changes: &["children_at_home=yes", "children_saw=violence"],
        expect: Expect::Flags(&["children-and-violence", "children-at-home"]),
    },
    Case {
        name: "children at home, and violence in the past",
        base: Base::Hurt,
        changes: &["children_at_home=yes", "children_saw=not-sure", "hurt_before=yes"],
        expect: Expect::Flags(&["past-violence", "children-and-violence", "children-at-home"]),
    },
    Case {
        name: "children heard arguments, no violence",
        base: Base::Hurt,
        changes: &["children_at_home=yes", "children_saw=arguments"],
        expect: Expect::Flags(&["children-at-home"]),
    },
    Case {
        name: "the partner's drinking causes problems",
        base: Base::Hurt,
        changes: &["substance_use=partner"],
        expect: Expect::Flags(&["substance-use"]),
    },
    Case {
        name: "one's own drug use causes problems",
        base: Base::BrokeTrust,
        changes: &["substance_use=mine"],
        expect: Expect::Flags(&["substance-use"]),
    },
    Case {
        name: "harassed by the other person involved",
        base: Base::Hurt,
        changes: &["harassed=yes"],
        expect: Expect::Flags(&["harassment"]),
    },
    Case {
        name: "repeated betrayal and no accountability propose the review stage",
        base: Base::Hurt,
        changes: &["happened_before=yes", "partner_accountable=no"],
        expect: Expect::Flags(&["repair-review", "repeated-betrayal", "no-accountability"]),
    },
    Case {
        name: "repeated betrayal, owned, does not propose the review",
        base: Base::BrokeTrust,
        changes: &["happened_before=yes", "accepts_responsibility=partly"],
        expect: Expect::Flags(&["repeated-betrayal"]),
    },
    Case {
        name: "hopes to part well",
        base: Base::Hurt,
        changes: &["hope=separate-well"],
        expect: Expect::Flags(&["hopes-to-part"]),
    },
    // Issue 27: hoping therapy will help decide is decision work, not the repair program yet.
    Case {
        name: "hopes to decide",
        base: Base::Hurt,
        changes: &["hope=decide"],
        expect: Expect::Flags(&["hopes-to-decide"]),
    },
    // Info.
    Case {
        name: "an affair: a gentle prompt about sexual health",
        base: Base::Hurt,
        changes: &["breach=affair|lies", "outside_relationship_ended=yes"],
        expect: Expect::Flags(&["sexual-health"]),
    },
    Case {
        name: "an emotional betrayal: no prompt about sexual health",
        base: Base::Hurt,
        changes: &["breach=emotional-betrayal", "outside_relationship_ended=yes"],
        expect: Expect::Flags(&[]),
    },
    Case {
        name: "children at home",
        base: Base::BrokeTrust,
        changes: &["children_at_home=yes", "children_saw=no"],
        expect: Expect::Flags(&["children-at-home"]),
    },
    Case {
        name: "discovered",
        base: Base::Hurt,
        changes: &["came_to_light=discovered"],
        expect: Expect::Flags(&["discovered-not-told"]),
    },
    Case {
        name: "partly told after discovery",
        base: Base::BrokeTrust,
        changes: &["came_to_light=partly"],
        expect: Expect::Flags(&["discovered-not-told"]),
    },
    Case {
        name: "earlier therapy",
        base: Base::Hurt,
        changes: &["earlier_therapy=yes"],
        expect: Expect::Flags(&["earlier-therapy"]),
    },
    Case {
        name: "not safe to contact is a caution: someone may be reading",
        base: Base::Hurt,
        changes: &["safe_to_contact=no"],
        expect: Expect::Flags(&["not-safe-to-contact"]),
    },
    Case { name: "contact not answered", base: Base::Hurt, changes: &["-safe_to_contact"], expect: Expect::Flags(&[]) },
    // Several at once, most severe first.
    Case {
        name: "several flags come most severe first",
        base: Base::Hurt,
        changes: &[
            "earlier_therapy=yes",
            "happened_before=yes",
            "self_harm_thoughts=often",
            "self_harm_means=no",
            "commitment=2",
        ],
        expect: Expect::Flags(&["self-harm", "repeated-betrayal", "low-commitment", "earlier-therapy"]),
    },
];

#[test]
fn each_flag_is_raised_by_its_answers_and_not_otherwise() {
    FLAG_CASES.iter().for_each(check);
}

#[test]
fn every_flag_rule_has_a_case_that_raises_it() {
    let covered: BTreeSet<&str> = FLAG_CASES
        .iter()
        .filter_map(|case| match case.expect {
            Expect::Flags(ids) => Some(ids),
            _ => None,
        })
        .flatten()
        .copied()
        .collect();
    let rules: BTreeSet<&str> = QUESTIONNAIRE.flags.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(covered, rules, "every flag rule needs a case in FLAG_CASES, and every case a rule");
}

#[test]
fn flags_have_the_severity_the_program_relies_on() {
    // In the order they are listed within a severity: self-harm first, since it is acted on today.
    let expected = [
        ("self-harm", Severity::Stop),
        ("self-harm-means", Severity::Stop),
        ("strangulation", Severity::Stop),
        ("weapon", Severity::Stop),
        ("threats-to-harm", Severity::Stop),
        ("suicide-threats-to-control", Severity::Stop),
        ("fear-of-partner", Severity::Stop),
        ("violence-or-threats", Severity::Stop),
        ("past-violence", Severity::Stop),
        ("coercive-control", Severity::Stop),
        ("monitoring", Severity::Stop),
        ("sexual-coercion", Severity::Stop),
        ("affair-ongoing", Severity::Stop),
        ("phq2-positive", Severity::Caution),
        ("gad2-positive", Severity::Caution),
        ("trauma-symptoms", Severity::Caution),
        ("past-self-harm", Severity::Caution),
        ("children-and-violence", Severity::Caution),
        ("substance-use", Severity::Caution),
        ("harassment", Severity::Caution),
        ("not-safe-to-contact", Severity::Caution),
        ("repair-review", Severity::Caution),
        ("repeated-betrayal", Severity::Caution),
        ("gaslighting", Severity::Caution),
        ("no-accountability", Severity::Caution),
        ("low-commitment", Severity::Caution),
        ("hopes-to-decide", Severity::Caution),
        ("hopes-to-part", Severity::Caution),
        ("sexual-health", Severity::Info),
        ("children-at-home", Severity::Info),
        ("discovered-not-told", Severity::Info),
        ("earlier-therapy", Severity::Info),
    ];
    let got: Vec<(&str, Severity)> = QUESTIONNAIRE.flags.iter().map(|f| (f.id.as_str(), f.severity)).collect();
    assert_eq!(got, expected);
}

#[test]
fn flags_name_the_answers_that_raised_them() {
    let cases = [
        Case {
            name: "no accountability names the hurt partner's answer",
            base: Base::Hurt,
            changes: &["partner_accountable=no"],
            expect: Expect::Evidence("no-accountability", &[("partner_accountable", "No")]),
        },
        Case {
            name: "an ongoing affair names the answer in the partner's words",
            base: Base::Hurt,
            changes: &["breach=affair", "outside_relationship_ended=not-sure"],
            expect: Expect::Evidence("affair-ongoing", &[("outside_relationship_ended", "I am not sure")]),
        },
        Case {
            name: "something still going on names the answer in the partner's words",
            base: Base::Hurt,
            changes: &["still_going_on=yes"],
            expect: Expect::Evidence("affair-ongoing", &[("still_going_on", "Yes, some of it is still going on")]),
        },
        Case {
            name: "a positive PHQ-2 names the score",
            base: Base::Hurt,
            changes: &["phq2_interest=3", "phq2_down=1"],
            expect: Expect::Evidence("phq2-positive", &[("phq2", "4 of 6")]),
        },
        Case {
            name: "fear names the yes",
            base: Base::Hurt,
            changes: &["afraid_of_partner=yes"],
            expect: Expect::Evidence("fear-of-partner", &[("afraid_of_partner", "Yes")]),
        },
    ];
    cases.iter().for_each(check);
}

#[test]
fn the_first_start_rule_that_holds_for_either_partner_wins() {
    let cases = [
        // Any stop-level answer, from either partner, outranks everything else.
        Case {
            name: "the hurt partner is afraid",
            base: Base::Hurt,
            changes: &["afraid_of_partner=yes", "came_to_light=discovered", "questions_open=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "stop flag",
            },
        },
        Case {
            name: "the partner who broke trust has thoughts of self-harm",
            base: Base::Hurt,
            changes: &[],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &["self_harm_thoughts=sometimes", "self_harm_means=no"],
                stage: Some("safety-and-stabilising"),
                reason_has: "stop flag",
            },
        },
        Case {
            name: "control",
            base: Base::Hurt,
            changes: &["controlled=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "stop flag",
            },
        },
        Case {
            name: "violence",
            base: Base::Hurt,
            changes: &["hurt_or_threatened=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "stop flag",
            },
        },
        Case {
            name: "the outside relationship may still be going on",
            base: Base::Hurt,
            changes: &["breach=affair", "outside_relationship_ended=not-sure"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "stop flag",
            },
        },
        Case {
            name: "something that broke trust is still going on, by the hurt partner's account",
            base: Base::Hurt,
            changes: &["still_going_on=not-sure"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "stop flag",
            },
        },
        // Repeated betrayal without accountability: steady first and weigh the review.
        Case {
            name: "repeated betrayal and no accountability",
            base: Base::Hurt,
            changes: &["happened_before=yes", "partner_accountable=no"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "is-repair-still-healthy",
            },
        },
        Case {
            name: "repeated betrayal, and the partner who broke trust denies it",
            base: Base::BrokeTrust,
            changes: &["happened_before=yes", "accepts_responsibility=no"],
            expect: Expect::Start {
                with: Base::Hurt,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "is-repair-still-healthy",
            },
        },
        Case {
            name: "repeated betrayal with accountability follows the usual rules",
            base: Base::Hurt,
            changes: &["happened_before=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("listening-to-feelings"),
                reason_has: "answered",
            },
        },
        Case {
            name: "it came to light less than a month ago",
            base: Base::Hurt,
            changes: &["how_long_ago=under-1-month", "came_to_light=discovered", "questions_open=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("safety-and-stabilising"),
                reason_has: "less than a month",
            },
        },
        // Accountability.
        Case {
            name: "the hurt partner says responsibility is not taken",
            base: Base::Hurt,
            changes: &["partner_accountable=no"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("disclosure-and-accountability"),
                reason_has: "not yet fully taken",
            },
        },
        Case {
            name: "the partner who broke trust takes only part of the responsibility",
            base: Base::Hurt,
            changes: &[],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &["accepts_responsibility=partly"],
                stage: Some("disclosure-and-accountability"),
                reason_has: "not yet fully taken",
            },
        },
        Case {
            name: "discovered, with questions still open",
            base: Base::Hurt,
            changes: &["came_to_light=discovered", "questions_open=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &["came_to_light=discovered"],
                stage: Some("disclosure-and-accountability"),
                reason_has: "discovered rather than disclosed and questions are still open",
            },
        },
        Case {
            name: "partly told after discovery, with questions still open",
            base: Base::Hurt,
            changes: &["came_to_light=partly", "questions_open=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("disclosure-and-accountability"),
                reason_has: "discovered rather than disclosed",
            },
        },
        // Honesty and questions.
        Case {
            name: "discovered, with the questions answered",
            base: Base::Hurt,
            changes: &["came_to_light=discovered"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("honesty-and-questions"),
                reason_has: "found out rather than told",
            },
        },
        Case {
            name: "only the partner who broke trust says it was found out",
            base: Base::Hurt,
            changes: &[],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &["came_to_light=discovered"],
                stage: Some("honesty-and-questions"),
                reason_has: "found out rather than told",
            },
        },
        Case {
            name: "told, with questions still open",
            base: Base::Hurt,
            changes: &["questions_open=yes"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("honesty-and-questions"),
                reason_has: "still has questions",
            },
        },
        // Later stages.
        Case {
            name: "told, answered, accountable and already heard",
            base: Base::Hurt,
            changes: &["feel_heard=7"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("consistent-actions"),
                reason_has: "consistent actions",
            },
        },
        Case {
            name: "told and answered, but not yet feeling heard",
            base: Base::Hurt,
            changes: &["feel_heard=6"],
            expect: Expect::Start {
                with: Base::BrokeTrust,
                changes: &[],
                stage: Some("listening-to-feelings"),
                reason_has: "listening to feelings",
            },
        },
        Case {
            name: "a mutual breach where both are calm",
            base: Base::Hurt,
            changes: &["role=both", "accepts_responsibility=yes"],
            expect: Expect::Start {
                with: Base::Hurt,
                changes: &["role=both", "accepts_responsibility=yes", "questions_open=yes"],
                stage: Some("honesty-and-questions"),
                reason_has: "still has questions",
            },
        },
        Case {
            name: "no rule holds when neither says they were hurt",
            base: Base::BrokeTrust,
            changes: &[],
            expect: Expect::Start { with: Base::BrokeTrust, changes: &[], stage: None, reason_has: "" },
        },
    ];
    cases.iter().for_each(check);
}

/// Every value a condition compares against, with the question it names.
fn compared_values(condition: &Condition, out: &mut Vec<(String, Option<String>, bool)>) {
    if let Some(question) = &condition.question {
        let numeric = condition.at_least.is_some() || condition.at_most.is_some();
        for value in condition.equals.iter().chain(&condition.any_of) {
            out.push((question.clone(), Some(value.clone()), numeric));
        }
        if numeric {
            out.push((question.clone(), None, true));
        }
    }
    for inner in condition.any.iter().chain(&condition.all) {
        compared_values(inner, out);
    }
}

/// A condition that names a value the question never stores silently never holds; the loader
/// checks a condition's shape but not its values, so this test does.
#[test]
fn conditions_compare_only_values_their_questions_can_hold() {
    let q = &*QUESTIONNAIRE;
    let mut compared = Vec::new();
    let conditions = q
        .questions()
        .filter_map(|question| question.show_if.as_ref())
        .chain(q.flags.iter().map(|f| &f.when))
        .chain(q.start_rules.iter().map(|r| &r.when));
    for condition in conditions {
        compared_values(condition, &mut compared);
    }
    assert!(compared.len() > 30, "expected the conditions to compare many values, found {}", compared.len());
    for (id, value, numeric) in compared {
        let question = q.question(&id).unwrap_or_else(|| panic!("a condition names unknown question {id}"));
        match (question.kind, value.as_deref()) {
            (QuestionKind::Scale, None) => assert!(numeric),
            (QuestionKind::YesNo | QuestionKind::Consent, Some(v)) => {
                assert!(v == "yes" || (v == "no" && question.kind == QuestionKind::YesNo), "{id}: {v:?}");
            }
            (QuestionKind::Single | QuestionKind::Multiple, Some(v)) => {
                assert!(question.options.iter().any(|o| o.value == v), "{id} has no option {v:?}");
            }
            (kind, value) => panic!("{id} ({kind:?}) is compared with {value:?} (at_least/at_most: {numeric})"),
        }
    }
}

/// Every stop flag, whoever raises it, starts the couple at safety and stabilising: the first
/// start rule must name every stop answer, or a couple could begin repair work with one open.
#[test]
fn every_stop_flag_starts_the_couple_at_safety() {
    let q = &*QUESTIONNAIRE;
    let mut checked = BTreeSet::new();
    for case in FLAG_CASES {
        let evaluation = q.evaluate(&answers(case.base, case.changes), TODAY);
        let stops: Vec<String> =
            evaluation.flags.iter().filter(|f| f.severity == Severity::Stop).map(|f| f.id.clone()).collect();
        if stops.is_empty() {
            continue;
        }
        assert_accepted(case.name, &evaluation);
        let other = q.evaluate(&answers(Base::BrokeTrust, &[]), TODAY);
        let rule = q.start_rule(&[&evaluation.answers, &other.answers]).map(|r| (r.stage.as_str(), &r.reason));
        assert!(
            rule.is_some_and(|(stage, reason)| stage == "safety-and-stabilising" && reason.contains("stop flag")),
            "{}: {stops:?} should start at safety and stabilising, got {rule:?}",
            case.name
        );
        checked.extend(stops);
    }
    let all_stops: BTreeSet<String> =
        q.flags.iter().filter(|f| f.severity == Severity::Stop).map(|f| f.id.clone()).collect();
    assert_eq!(checked, all_stops, "every stop flag needs a case in FLAG_CASES");
}

/// The questions about safety and about a betrayal still going on: each says why it is asked
/// and who sees the answer.
const SENSITIVE: &[&str] = &[
    "outside_relationship_ended",
    "still_going_on",
    "afraid_of_partner",
    "hurt_or_threatened",
    "hurt_before",
    "strangled",
    "weapon",
    "threatened_harm",
    "suicide_threats",
    "controlled",
    "monitored",
    "sexual_pressure",
    "harassed",
    "self_harm_thoughts",
    "self_harm_past",
    "self_harm_means",
    "substance_use",
    "children_at_home",
    "children_saw",
    "safe_to_contact",
];

#[test]
fn the_form_says_who_reads_it_and_what_to_do_in_an_emergency() {
    let q = &*QUESTIONNAIRE;
    let intro = q.intro.join(" ");
    for needed in ["alone", "Only your therapist", "not an emergency service", "911", "999", "112", "988"] {
        assert!(intro.contains(needed), "the intro should mention {needed:?}");
    }
    let safety = q.sections.iter().find(|s| s.id == "safety").expect("a safety section");
    let in_safety: BTreeSet<&str> = safety.questions.iter().map(|question| question.id.as_str()).collect();
    for id in &in_safety {
        assert!(SENSITIVE.contains(id), "{id} is in the safety section: add it to SENSITIVE");
    }
    for id in SENSITIVE {
        let question = q.question(id).unwrap_or_else(|| panic!("no question {id}"));
        let help = question.help.to_lowercase();
        assert!(question.help.contains("Only your therapist"), "{id}: help should say who sees the answer");
        assert!(help.contains("so ") || help.contains("because"), "{id}: help should say why it is asked");
    }
    // The questions on violence and threats give emergency numbers beside them; those on
    // self-harm give a crisis line too.
    for id in [
        "afraid_of_partner",
        "hurt_or_threatened",
        "hurt_before",
        "strangled",
        "weapon",
        "threatened_harm",
        "suicide_threats",
        "controlled",
        "monitored",
        "sexual_pressure",
        "harassed",
        "self_harm_thoughts",
        "self_harm_past",
        "self_harm_means",
        "children_saw",
    ] {
        let help = &q.question(id).unwrap_or_else(|| panic!("no question {id}")).help;
        assert!(help.contains("911") && help.contains("112"), "{id}: help should give emergency numbers");
    }
    for id in ["self_harm_thoughts", "self_harm_past", "self_harm_means"] {
        assert!(q.question(id).is_some_and(|s| s.help.contains("988")), "{id}: help gives a crisis line");
    }
    // Asked of everyone and required, except the follow-ups that only make sense after a yes.
    for question in &safety.questions {
        let follow_up = ["self_harm_means", "children_saw"].contains(&question.id.as_str());
        assert_eq!(question.show_if.is_some(), follow_up, "{}: asked of everyone unless a follow-up", question.id);
        assert_eq!(
            question.required,
            question.id != "safe_to_contact",
            "{}: safety questions are required",
            question.id
        );
    }
}

/// A saved draft is shown again to whoever opens the link, so no answer about safety, or about a
/// betrayal still going on, is ever kept in one.
#[test]
fn safety_answers_are_never_kept_in_drafts() {
    let q = &*QUESTIONNAIRE;
    for id in SENSITIVE {
        let question = q.question(id).unwrap_or_else(|| panic!("no question {id}"));
        assert!(!question.kept_in_drafts, "{id}: a safety answer must not be kept in a draft");
    }
    let raw = answers(
        Base::Hurt,
        &[
            "breach=affair",
            "outside_relationship_ended=no",
            "still_going_on=yes",
            "strangled=yes",
            "monitored=not-agreed",
            "self_harm_thoughts=often",
            "self_harm_means=yes",
            "children_at_home=yes",
            "children_saw=violence",
        ],
    );
    let draft = q.draft(&raw);
    for id in SENSITIVE {
        assert!(!draft.contains_key(*id), "{id} was kept in the draft");
    }
    for id in ["name", "breach", "commitment", "phq2_down", "signature"] {
        assert!(draft.contains_key(id), "{id} should be kept in the draft");
    }
}

/// The secrets policy is read before anything about what happened or about safety is asked.
#[test]
fn the_secrets_policy_comes_first_and_says_what_stays_private() {
    let q = &*QUESTIONNAIRE;
    let position = |id: &str| q.questions().position(|question| question.id == id).expect(id);
    let policy = position("secrets_policy");
    for later in ["breach", "outside_relationship_ended", "still_going_on", "afraid_of_partner", "self_harm_thoughts"] {
        assert!(policy < position(later), "the secrets policy should come before {later}");
    }
    let text = &q.question("secrets_policy").expect("a secrets policy").text;
    for needed in [
        "Your therapist will not tell your partner what you say alone",
        "has to end",
        "not enough",
        "pause the joint sessions",
        "will not tell your partner why",
    ] {
        assert!(text.contains(needed), "the secrets policy should say {needed:?}");
    }
}

/// PHQ-2 and GAD-2 as published: the stem once, above the items; each item with the four
/// published answers and their scores; the attribution line from the licence ledger.
#[test]
fn phq2_and_gad2_are_shown_as_published() {
    const STEM: &str = "Over the last 2 weeks, how often have you been bothered by the following problems?";
    const ANSWERS: [(&str, &str); 4] =
        [("0", "Not at all"), ("1", "Several days"), ("2", "More than half the days"), ("3", "Nearly every day")];
    let program = Program::embedded().expect("the embedded content loads");
    let q = &program.questionnaire;
    let section = q.sections.iter().find(|s| s.id == "mood-and-worry").expect("a section for the two screens");
    assert_eq!(section.intro.last().map(String::as_str), Some(STEM), "the stem comes last, just above the items");
    let everything: Vec<&str> = q
        .intro
        .iter()
        .chain(q.sections.iter().flat_map(|s| &s.intro))
        .map(String::as_str)
        .chain(q.questions().flat_map(|question| [question.label.as_str(), question.hint.as_str()]))
        .collect();
    assert_eq!(everything.iter().filter(|text| text.contains("Over the last 2 weeks")).count(), 1, "the stem once");
    let items: Vec<&str> = section.questions.iter().map(|question| question.id.as_str()).collect();
    assert_eq!(items, ["phq2_interest", "phq2_down", "gad2_nervous", "gad2_worry"]);
    for question in &section.questions {
        assert_eq!(question.kind, QuestionKind::Single, "{}", question.id);
        let options: Vec<(&str, &str)> =
            question.options.iter().map(|o| (o.value.as_str(), o.label.as_str())).collect();
        assert_eq!(options, ANSWERS, "{}: the published answers", question.id);
    }
    for score in &q.scores {
        let instrument = program.instrument(&score.id).unwrap_or_else(|| panic!("{}: no licence entry", score.id));
        assert_eq!(score.attribution, instrument.attribution, "{}: the ledger's attribution", score.id);
        assert!(section.intro.contains(&instrument.attribution), "{}: the form prints the attribution", score.id);
        assert!(instrument.attribution.contains("No permission required to reproduce"), "{}", score.id);
    }
}

/// Answers stored while the PHQ-2 and GAD-2 items were scales are numbers; they still score.
#[test]
fn answers_stored_as_numbers_still_score() {
    let q = &*QUESTIONNAIRE;
    let mut stored = q.evaluate(&answers(Base::Hurt, &[]), TODAY).answers;
    for (id, n) in [("phq2_interest", 2), ("phq2_down", 2), ("gad2_nervous", 0), ("gad2_worry", 1)] {
        stored.insert(id.to_owned(), Answer::Number(n));
    }
    let (scores, flags) = q.assess(&stored);
    let values: Vec<(&str, Option<i64>, i64)> = scores.iter().map(|s| (s.id.as_str(), s.value, s.max)).collect();
    assert_eq!(values, [("phq2", Some(4), 6), ("gad2", Some(1), 6)]);
    assert!(flags.iter().any(|f| f.id == "phq2-positive"));
}

/// `any_of` on a scale is accepted by the loader, so it must also hold when the number matches.
#[test]
fn any_of_on_a_scale_matches_the_number() {
    let mut q = QUESTIONNAIRE.clone();
    q.flags.push(FlagRule {
        id: "commitment-zero-or-one".to_owned(),
        severity: Severity::Info,
        message: "Commitment is 0 or 1.".to_owned(),
        action: "Ask about it.".to_owned(),
        danger_from_partner: false,
        sheets_stay_in_session: false,
        when: Condition {
            question: Some("commitment".to_owned()),
            any_of: vec!["0".to_owned(), "1".to_owned()],
            ..Condition::default()
        },
    });
    for (commitment, raised) in [("0", true), ("1", true), ("2", false), ("10", false)] {
        let evaluation = q.evaluate(&answers(Base::Hurt, &[&format!("commitment={commitment}")]), TODAY);
        let got = evaluation.flags.iter().any(|f| f.id == "commitment-zero-or-one");
        assert_eq!(got, raised, "commitment {commitment}");
    }
}

/// Checks one date answer: `Ok(stored)` for the text stored, `Err(message)` for the refusal.
fn check_date(q: &Questionnaire, raw: &str, want: Result<&str, &str>) {
    let change = format!("came_to_light_on={raw}");
    let stored = [("came_to_light_on", want.ok())];
    let errors: Vec<(&str, &str)> = want.err().map(|message| ("came_to_light_on", message)).into_iter().collect();
    let expect = if want.is_ok() { Expect::Stored(&stored) } else { Expect::Errors(&errors) };
    check_with(q, &Case { name: &format!("the date {raw:?}"), base: Base::Hurt, changes: &[&change], expect });
}

#[test]
fn dates_are_stored_in_one_form_and_a_past_date_is_not_after_today() {
    const NOT_A_DATE: &str = "Enter a real date, for example 2024-03-17";
    const AFTER_TODAY: &str = "Enter a date that has already come: this one is after today";
    let cases: &[(&str, Result<&str, &str>)] = &[
        ("2024-03-17", Ok("2024-03-17")),
        ("  2024-03-17\t", Ok("2024-03-17")),
        ("1900-01-01", Ok("1900-01-01")),
        ("2026-06-15", Ok("2026-06-15")),
        ("+2024-03-17", Err(NOT_A_DATE)),
        ("-2024-03-17", Err(NOT_A_DATE)),
        ("+02024-03-17", Err(NOT_A_DATE)),
        ("0000-01-01", Err(NOT_A_DATE)),
        ("-0001-12-31", Err(NOT_A_DATE)),
        ("1899-12-31", Err(NOT_A_DATE)),
        ("20240-03-17", Err(NOT_A_DATE)),
        ("\u{FEFF}2024-03-17", Err(NOT_A_DATE)),
        ("2024-03-17\u{200B}", Err(NOT_A_DATE)),
        ("2026-06-16", Err(AFTER_TODAY)),
        ("2100-01-01", Err(AFTER_TODAY)),
        ("9999-12-31", Err(AFTER_TODAY)),
    ];
    for (raw, want) in cases {
        check_date(&QUESTIONNAIRE, raw, *want);
    }

    // A date question that does not say `past` may be any day the record can hold.
    let mut any_day = QUESTIONNAIRE.clone();
    for section in &mut any_day.sections {
        for question in section.questions.iter_mut().filter(|q| q.kind == QuestionKind::Date) {
            question.past = false;
        }
    }
    for (raw, want) in
        [("2100-01-01", Ok("2100-01-01")), ("9999-12-31", Ok("9999-12-31")), ("0000-01-01", Err(NOT_A_DATE))]
    {
        check_date(&any_day, raw, want);
    }
}

#[test]
fn a_required_text_of_nothing_visible_is_not_an_answer() {
    let blanks = [
        ("a zero-width space", "\u{200B}"),
        ("a word joiner", "\u{2060}"),
        ("a byte-order mark", "\u{FEFF}"),
        ("a soft hyphen", "\u{00AD}"),
        ("a right-to-left mark", "\u{200F}"),
        ("a Hangul filler", "\u{3164}"),
        ("the blank braille pattern", "\u{2800}"),
        ("a tag character", "\u{E0041}"),
        ("a variation selector", "\u{FE0F}"),
        ("no-break and ideographic spaces", "\u{00A0}\u{3000}"),
        ("a mixture of them", " \u{200B}\u{2060}\u{FEFF}\u{200D} "),
    ];
    for (name, blank) in blanks {
        let (signature, own_name) = (format!("signature={blank}"), format!("name={blank}"));
        check(&Case {
            name,
            base: Base::Hurt,
            changes: &[&signature, &own_name],
            expect: Expect::Errors(&[
                ("name", "Enter the name you would like to be called"),
                ("signature", "Type your full name to sign"),
            ]),
        });
    }
    let cases = [
        Case {
            name: "an optional text of nothing visible is not stored",
            base: Base::Hurt,
            changes: &["goals=\u{200B}\u{FEFF}\n\u{2060}"],
            expect: Expect::Stored(&[("goals", None)]),
        },
        Case {
            name: "visible text keeps the invisible characters inside it as typed",
            base: Base::Hurt,
            changes: &["signature=Zo\u{200B}ë", "name=\u{FEFF}Ana"],
            expect: Expect::Stored(&[("signature", Some("Zo\u{200B}ë")), ("name", Some("\u{FEFF}Ana"))]),
        },
        Case {
            name: "a choice of nothing visible is no choice",
            base: Base::Hurt,
            changes: &["came_to_light=\u{200B}"],
            expect: Expect::Errors(&[("came_to_light", "Choose how it came to light")]),
        },
    ];
    for case in &cases {
        check(case);
    }
}
