//! Reads the PDFs mend wrote back with lopdf: which files there are, and the text on their pages.

use std::fs;
use std::path::{Path, PathBuf};

/// The `.pdf` files directly in `dir`, sorted by name.
pub(crate) fn pdfs_in(dir: &Path) -> Vec<PathBuf> {
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut pdfs: Vec<PathBuf> = entries
        .map(|entry| entry.expect("a folder entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "pdf"))
        .collect();
    pdfs.sort();
    pdfs
}

/// The text of every page of the PDF at `path`, failing the journey if it does not parse.
pub(crate) fn text_of(path: &Path) -> String {
    let document =
        lopdf::Document::load(path).unwrap_or_else(|e| panic!("{} is not a PDF lopdf can read: {e}", path.display()));
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    assert!(!pages.is_empty(), "{} has no pages", path.display());
    document.extract_text(&pages).unwrap_or_else(|e| panic!("cannot read the text of {}: {e}", path.display()))
}
