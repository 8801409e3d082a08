//! Who does an exercise, as a value the plan carries, and the sentence that stands for it in a plan's JSON.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AgendaItem, AgendaKind, SheetServes, join_names};
use crate::domain::Role;

/// Who does an exercise of the joint session, by name: the renderers put it in words, and a plan's
/// JSON gives it as the sentence [`Display`](fmt::Display) writes, second among the item's `what`,
/// as it always has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doers {
    /// An exercise for both partners: both of them, in the record's order.
    Both {
        /// The partners' display names.
        names: Vec<String>,
    },
    /// The one partner of the exercise's role.
    One {
        /// The partner's display name.
        name: String,
        /// The exercise's role.
        role: Role,
    },
    /// Of partners who share the exercise's role (a mutual breach), the one whose turn it is.
    Turn {
        /// The partner's display name.
        name: String,
        /// The exercise's role.
        role: Role,
    },
    /// No partner here has the exercise's role.
    Nobody {
        /// The exercise's role.
        role: Role,
    },
}

impl Doers {
    /// Whom the exercise is for, as the words after "For " (`Zoë (the hurt partner).`): the
    /// printed plan puts it after the item's title.
    pub fn whom(&self) -> String {
        match self {
            Doers::Both { names } => format!("both: {}.", join_names(names)),
            Doers::One { name, role } => format!("{name} ({}).", role.describe()),
            Doers::Turn { name, role } => format!(
                "{name} this time, as {}; the other partner takes a turn at it in a later session.",
                role.describe()
            ),
            Doers::Nobody { role } => {
                format!("{}, which no partner here is: adapt it or leave it out.", role.describe())
            }
        }
    }

    /// The value a sentence of a saved plan stands for, given the item's role and partner; `None`
    /// when it is no sentence this mend writes, which then stays among the item's lines as written.
    fn read(sentence: &str, role: Role, partner: Option<&str>) -> Option<Self> {
        let whom = sentence.strip_prefix("For ")?;
        let candidate = match (role, partner) {
            (_, Some(name)) => Doers::Turn { name: name.to_owned(), role },
            (Role::Both, None) => {
                let names = whom.strip_prefix("both: ")?.strip_suffix('.')?;
                // Split as `join_names` joins. A name holding ", " or " and " may be split
                // elsewhere; the value then still writes the same sentence back.
                let names = match names.rsplit_once(" and ") {
                    Some((init, last)) => init.split(", ").chain([last]).map(str::to_owned).collect(),
                    None => vec![names.to_owned()],
                };
                Doers::Both { names }
            }
            (_, None) => match whom.strip_suffix(&format!(" ({}).", role.describe())) {
                Some(name) => Doers::One { name: name.to_owned(), role },
                None => Doers::Nobody { role },
            },
        };
        (candidate.to_string() == sentence).then_some(candidate)
    }
}

impl fmt::Display for Doers {
    /// The sentence: `For Zoë (the hurt partner).`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "For {}", self.whom())
    }
}

/// An agenda item as a plan's JSON has it: who does an exercise is the second of its `what`.
#[derive(Serialize, Deserialize)]
pub(super) struct ItemJson {
    kind: AgendaKind,
    title: String,
    starts_at: u32,
    minutes: u32,
    role: Option<Role>,
    partner: Option<String>,
    exercise: Option<String>,
    #[serde(default)]
    serves: Vec<String>,
    #[serde(default)]
    sheets: Vec<SheetServes>,
    what: Vec<String>,
    steps: Vec<String>,
    prompts: Vec<String>,
}

impl From<AgendaItem> for ItemJson {
    fn from(item: AgendaItem) -> Self {
        let AgendaItem {
            kind,
            title,
            starts_at,
            minutes,
            role,
            partner,
            exercise,
            serves,
            sheets,
            mut what,
            doers,
            steps,
            prompts,
        } = item;
        if let Some(doers) = doers {
            what.insert(1.min(what.len()), doers.to_string());
        }
        Self { kind, title, starts_at, minutes, role, partner, exercise, serves, sheets, what, steps, prompts }
    }
}

impl From<ItemJson> for AgendaItem {
    fn from(item: ItemJson) -> Self {
        let ItemJson {
            kind,
            title,
            starts_at,
            minutes,
            role,
            partner,
            exercise,
            serves,
            sheets,
            mut what,
            steps,
            prompts,
        } = item;
        let doers = match (kind, role, what.get(1)) {
            (AgendaKind::Exercise, Some(role), Some(sentence)) => Doers::read(sentence, role, partner.as_deref()),
            _ => None,
        };
        if doers.is_some() {
            what.remove(1);
        }
        Self { kind, title, starts_at, minutes, role, partner, exercise, serves, sheets, what, doers, steps, prompts }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn each_sentence_reads_back_as_its_value() {
        let all = [
            (Doers::Both { names: names(&["Zoë", "José"]) }, Role::Both, None),
            (Doers::Both { names: names(&["Mary and Sue", "Bob"]) }, Role::Both, None),
            (Doers::One { name: "Ana Lima".into(), role: Role::Hurt }, Role::Hurt, None),
            (Doers::One { name: "Ana (Annie)".into(), role: Role::BrokeTrust }, Role::BrokeTrust, None),
            (Doers::Turn { name: "Sam".into(), role: Role::Hurt }, Role::Hurt, Some("Sam")),
            (Doers::Nobody { role: Role::BrokeTrust }, Role::BrokeTrust, None),
        ];
        for (doers, role, partner) in all {
            let sentence = doers.to_string();
            assert!(sentence.starts_with("For ") && sentence.ends_with('.'), "{sentence}");
            assert_eq!(Doers::read(&sentence, role, partner), Some(doers), "{sentence}");
        }
    }

    #[test]
    fn a_sentence_this_mend_does_not_write_stays_a_line() {
        assert_eq!(Doers::read("For Zoë and José in turn: each of them was hurt.", Role::Hurt, None), None);
        assert_eq!(Doers::read("Explain the exercise.", Role::Both, None), None);
        // Names split otherwise still give the saved sentence back, word for word.
        let sentence = "For both: Smith, Jo and Lee.";
        assert_eq!(Doers::read(sentence, Role::Both, None).map(|d| d.to_string()).as_deref(), Some(sentence));
    }
}
