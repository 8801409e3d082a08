//! Where the program's ideas come from: the articles it draws on, and citations of them.

use serde::{Deserialize, Serialize};

/// A source article, cited by title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    /// Short id used in citations (`trust-broken`).
    pub id: String,
    /// The article's title.
    pub title: String,
    /// Who wrote it, as the article says.
    #[serde(default)]
    pub authors: String,
}

/// Where an idea comes from: an article and one of its sections or steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Citation {
    /// The id of an [`Article`] in `program.toml`.
    pub article: String,
    /// The section heading or step, as the article names it.
    pub section: String,
}
