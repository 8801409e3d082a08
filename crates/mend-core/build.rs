//! Embeds the repair program: every file under `content/` becomes a `(path, text)` pair
//! compiled into mend-core, so `mend` runs with no files beside it.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let content = manifest.join("../../content");
    let mut files = Vec::new();
    collect(&content, &content, &mut files);
    files.sort();

    let mut out = String::from(
        "/// Every content file, as (path under content/, text).\npub(crate) static FILES: &[(&str, &str)] = &[\n",
    );
    for (relative, absolute) in &files {
        out.push_str(&format!("    ({relative:?}, include_str!({absolute:?})),\n"));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("embedded_content.rs");
    fs::write(dest, out).expect("write embedded_content.rs");
}

/// Walks `dir`, remembering each `.toml` file and asking cargo to rerun when anything changes.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let Ok(entries) = fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, files);
        } else if path.extension().is_some_and(|e| e == "toml") {
            println!("cargo:rerun-if-changed={}", path.display());
            let relative = path.strip_prefix(root).expect("under root").to_string_lossy().replace('\\', "/");
            let absolute = path.canonicalize().expect("canonical path").to_string_lossy().into_owned();
            files.push((relative, absolute));
        }
    }
}
