//! Embeds the repair program: every file under `content/` is compiled into mend-core, so `mend`
//! runs with no files beside it.
//!
//! Each TOML file is turned into JSON here, once, because reading JSON at every start of `mend`
//! is several times faster than reading TOML. A file that is not valid TOML is embedded as it
//! is, so that the program's own checks report it with its line, like any other problem.

use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let content = manifest.join("../../content");
    let mut files = Vec::new();
    collect(&content, &content, &mut files);
    files.sort();

    let mut out = String::from(
        "/// Every content file, as (path under content/, whether the text is JSON, text).\npub(crate) static FILES: &[(&str, bool, &str)] = &[\n",
    );
    for (relative, absolute) in &files {
        let text = fs::read_to_string(absolute).expect("read a content file");
        match toml::from_str::<toml::Value>(&text) {
            Ok(value) => {
                let json = serde_json::to_string(&value).expect("TOML values convert to JSON");
                out.push_str(&format!("    ({relative:?}, true, {json:?}),\n"));
            }
            Err(_) => out.push_str(&format!("    ({relative:?}, false, include_str!({absolute:?})),\n")),
        }
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
