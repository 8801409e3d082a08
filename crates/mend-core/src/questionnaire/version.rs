//! A questionnaire as a published version: its content hash, its stored form, and the upgrades
//! that carry a draft from an older version to this one.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{QuestionKind, Questionnaire, RawAnswers};

/// How a draft written on an older version becomes a draft on this one, as the content declares
/// it. A question keeps its id unless `renamed` gives it a new one; a choice keeps its value
/// unless `renamed_options` (by the question's id in this version) gives a new one. Whatever
/// does not fit this version after that is dropped, and the partner answers it again.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    /// The older version whose drafts this carries.
    pub from: u32,
    /// Old question id to new question id.
    #[serde(default)]
    pub renamed: BTreeMap<String, String>,
    /// For a question (its id in this version): old option value to new option value.
    #[serde(default)]
    pub renamed_options: BTreeMap<String, BTreeMap<String, String>>,
}

impl Questionnaire {
    /// The SHA-256 of what the questionnaire says, as lowercase hex. Two files that say the same
    /// thing (whatever their layout or comments) have the same hash, and a changed word changes
    /// it: the store uses it to refuse a changed questionnaire published under an old version.
    pub fn content_sha256(&self) -> String {
        hex::encode(Sha256::digest(self.stored_json().as_bytes()))
    }

    /// The questionnaire as the store keeps a published version: JSON of everything it says,
    /// without its id, which the store keeps beside it.
    pub fn stored_json(&self) -> String {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(fields) = value.as_object_mut() {
            fields.remove("id");
        }
        value.to_string()
    }

    /// Reads a version the store kept with [`Questionnaire::stored_json`], giving it back its id.
    pub fn from_stored_json(id: &str, json: &str) -> Result<Questionnaire, serde_json::Error> {
        let mut questionnaire: Questionnaire = serde_json::from_str(json)?;
        id.clone_into(&mut questionnaire.id);
        Ok(questionnaire)
    }

    /// The upgrade this version declares from `version`, if any.
    pub fn upgrade_from(&self, version: u32) -> Option<&Upgrade> {
        self.upgrades.iter().find(|upgrade| upgrade.from == version)
    }

    /// A draft saved on `version`, carried to this version through the upgrade this version
    /// declares from it; `None` when it declares none, and the draft stays on its version.
    pub fn upgrade_draft(&self, version: u32, draft: &RawAnswers) -> Option<RawAnswers> {
        let upgrade = self.upgrade_from(version)?;
        let mut carried = RawAnswers::new();
        for (old_id, values) in draft {
            let id = upgrade.renamed.get(old_id).unwrap_or(old_id);
            let Some(question) = self.question(id).filter(|question| question.kept_in_drafts) else { continue };
            let renames = upgrade.renamed_options.get(id);
            let values: Vec<String> = values
                .iter()
                .map(|value| renames.and_then(|r| r.get(value)).unwrap_or(value).clone())
                .filter(|value| question.options.is_empty() || question.options.iter().any(|o| &o.value == value))
                .collect();
            if !values.is_empty() {
                carried.insert(id.clone(), values);
            }
        }
        Some(carried)
    }

    /// What is wrong with the upgrades this version declares, as (id, message) pairs for the
    /// content check: an upgrade must come from an older version, once, and rename only to
    /// questions and options this version has.
    pub(crate) fn upgrade_problems(&self) -> Vec<(Option<String>, String)> {
        let mut problems = Vec::new();
        let mut seen = Vec::new();
        for upgrade in &self.upgrades {
            if upgrade.from >= self.version {
                problems.push((
                    None,
                    format!(
                        "an upgrade from version {} must come from an older version than {}: fix `from`",
                        upgrade.from, self.version
                    ),
                ));
            }
            if seen.contains(&upgrade.from) {
                problems.push((None, format!("two upgrades from version {}: keep one", upgrade.from)));
            }
            seen.push(upgrade.from);
            for (old, new) in &upgrade.renamed {
                if self.question(new).is_none() {
                    problems.push((
                        Some(old.clone()),
                        format!("renamed to `{new}`, which is not a question of this version: fix the name"),
                    ));
                }
            }
            for (id, renames) in &upgrade.renamed_options {
                let Some(question) = self.question(id) else {
                    problems.push((
                        Some(id.clone()),
                        "options renamed for a question this version does not have: fix the id".to_owned(),
                    ));
                    continue;
                };
                if !matches!(question.kind, QuestionKind::Single | QuestionKind::Multiple) {
                    problems.push((
                        Some(id.clone()),
                        "options renamed for a question without options: remove them".to_owned(),
                    ));
                    continue;
                }
                for new in renames.values() {
                    if !question.options.iter().any(|o| &o.value == new) {
                        problems.push((
                            Some(id.clone()),
                            format!("option renamed to `{new}`, which this question does not offer: fix the value"),
                        ));
                    }
                }
            }
        }
        problems
    }
}
