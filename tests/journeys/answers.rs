//! Complete intake answers that satisfy content/intake/intake.toml: every required question
//! that is shown gets an answer, and no hidden one does.

/// A partner's part in the breach, as the intake's `role` question asks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// `broke_trust`: this partner broke trust.
    BrokeTrust,
    /// `hurt`: this partner was hurt by it.
    Hurt,
}

/// One partner's answers, question by question; a checkbox group holds several values.
#[derive(Debug, Clone)]
pub(crate) struct IntakeAnswers {
    answers: Vec<(String, Vec<String>)>,
}

impl IntakeAnswers {
    /// The answers of a partner who is steady and safe: no stop flag and no caution flag, a
    /// breach that was told a few months ago, and responsibility fully taken. `breach` is one
    /// of the intake's breach values; an affair or an emotional betrayal brings the question of
    /// whether it has ended, answered "yes".
    pub(crate) fn steady(full_name: &str, role: Role, breach: &str) -> Self {
        let first_name = full_name.split_whitespace().next().unwrap_or(full_name);
        let mut answers = Self { answers: Vec::new() }
            .with("name", &[first_name])
            .with("breach", &[breach])
            .with(
                "role",
                &[match role {
                    Role::BrokeTrust => "broke_trust",
                    Role::Hurt => "hurt",
                }],
            )
            .with("came_to_light", &["told"])
            .with("how_long_ago", &["1-6-months"]);
        if matches!(breach, "affair" | "emotional-betrayal") {
            answers = answers.with("outside_relationship_ended", &["yes"]);
        }
        answers = answers.with("still_going_on", &["no"]).with("happened_before", &["no"]);
        answers = match role {
            Role::BrokeTrust => answers.with("accepts_responsibility", &["yes"]),
            Role::Hurt => answers.with("questions_open", &["yes"]).with("partner_accountable", &["yes"]),
        };
        answers
            .with("commitment", &["8"])
            .with("hope", &["repair"])
            .with("trust_boundaries", &["2"])
            .with("trust_honest", &["1"])
            .with("trust_best_interest", &["2"])
            .with("trust_promises", &["1"])
            .with("trust_safety", &["2"])
            .with("symptoms", &["sleep", "anger"])
            .with("phq2_interest", &["1"])
            .with("phq2_down", &["1"])
            .with("gad2_nervous", &["1"])
            .with("gad2_worry", &["0"])
            .with("arguments", &["calm-talks", "one-withdraws"])
            .with("feel_heard", &["6"])
            .with("told_imagining", &["never"])
            .with("afraid_of_partner", &["no"])
            .with("hurt_or_threatened", &["no"])
            .with("hurt_before", &["no"])
            .with("strangled", &["no"])
            .with("weapon", &["no"])
            .with("threatened_harm", &["no"])
            .with("suicide_threats", &["no"])
            .with("controlled", &["no"])
            .with("monitored", &["no"])
            .with("sexual_pressure", &["no"])
            .with("harassed", &["no"])
            .with("self_harm_thoughts", &["no"])
            .with("self_harm_past", &["no"])
            .with("substance_use", &["no"])
            .with("children_at_home", &["no"])
            .with("safe_to_contact", &["yes"])
            .with("goals", &["To talk about it without it turning into a fight."])
            .with("earlier_therapy", &["no"])
            .with("secrets_policy", &["yes"])
            .with("consent", &["yes"])
            .with("signature", &[full_name])
    }

    /// A complete check-in (content/checkin/checkin.toml) with no safety answer: each trust
    /// belief `trust` (0 to 4), each mood item `mood` and each worry item `worry` (0 to 3). The
    /// fuller PHQ-9 and GAD-7 items are answered only when their two-item screen asks for them.
    pub(crate) fn checkin(trust: u8, mood: u8, worry: u8) -> Self {
        let mut answers = Self { answers: Vec::new() };
        for id in ["afraid_of_partner", "hurt_or_threatened", "controlled"] {
            answers = answers.with(id, &["no"]);
        }
        answers = answers
            .with("monitored", &["no"])
            .with("sexual_pressure", &["no"])
            .with("harassed", &["no"])
            .with("self_harm_thoughts", &["no"]);
        let trust = trust.to_string();
        for id in ["trust_boundaries", "trust_honest", "trust_best_interest", "trust_promises", "trust_safety"] {
            answers = answers.with(id, &[&trust]);
        }
        let (mood, worry) = (mood.to_string(), worry.to_string());
        let (phq, gad) = (
            if mood.parse::<u8>().unwrap_or(0) >= 2 { 9 } else { 2 },
            if worry.parse::<u8>().unwrap_or(0) >= 2 { 7 } else { 2 },
        );
        for n in 1..=phq {
            // Item 9 is kept at 0 here: a journey that needs it says so.
            let value = if n == 9 { "0" } else { mood.as_str() };
            answers = answers.with(&format!("phq9_{n}"), &[value]);
        }
        for n in 1..=gad {
            answers = answers.with(&format!("gad7_{n}"), &[worry.as_str()]);
        }
        answers.with("homework_1", &["done"])
    }

    /// The same answers with `question` answered `values` instead (or for the first time).
    pub(crate) fn with(mut self, question: &str, values: &[&str]) -> Self {
        let values: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        match self.answers.iter_mut().find(|(id, _)| id == question) {
            Some((_, existing)) => *existing = values,
            None => self.answers.push((question.to_owned(), values)),
        }
        self
    }

    /// Whether `question` is answered.
    pub(crate) fn has(&self, question: &str) -> bool {
        self.answers.iter().any(|(id, _)| id == question)
    }

    /// The answers as form fields, in question order: one (name, value) pair per value, so a
    /// checkbox group repeats its name as a browser sends it.
    pub(crate) fn form_fields(&self) -> Vec<(String, String)> {
        self.answers
            .iter()
            .flat_map(|(id, values)| values.iter().map(move |value| (id.clone(), value.clone())))
            .collect()
    }
}
