//! Loads the program the benchmark makes its links for: the content embedded in mend, or a
//! single questionnaire file wrapped in an otherwise empty program. The server itself needs no
//! program: it shows the questionnaire versions the links were pushed with.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;
use std::sync::Arc;

use mend_core::{Program, Questionnaire};

/// The embedded program, or one around the questionnaire at `path`.
pub(crate) fn load(questionnaire: Option<&Path>) -> Result<Arc<Program>, Box<dyn Error>> {
    let Some(path) = questionnaire else {
        return Ok(Arc::new(Program::embedded()?));
    };
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut questionnaire: Questionnaire =
        toml::from_str(&text).map_err(|e| format!("{} is not a questionnaire: {e}", path.display()))?;
    questionnaire.id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    Ok(Arc::new(Program {
        title: "Questionnaire only".to_owned(),
        summary: String::new(),
        sources: Vec::new(),
        stages: Vec::new(),
        review_stages: Vec::new(),
        sheets: BTreeMap::new(),
        questionnaire,
        checkin: None,
        instruments: Vec::new(),
    }))
}
