//! Every command's `--help` shows an example, and `completions` and `man` produce their formats.

use std::process::Command;

fn mend(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mend")).args(args).output().expect("run mend");
    assert!(output.status.success(), "mend {args:?} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("utf-8")
}

#[test]
fn every_command_help_shows_an_example() {
    let commands: &[&[&str]] = &[
        &[],
        &["couple"],
        &["couple", "add"],
        &["couple", "list"],
        &["couple", "show"],
        &["couple", "delete"],
        &["invite"],
        &["invite", "revoke"],
        &["intake"],
        &["plan"],
        &["session"],
        &["session", "record"],
        &["session", "list"],
        &["flag"],
        &["flag", "resolve"],
        &["homework"],
        &["homework", "list"],
        &["homework", "print"],
        &["homework", "packet"],
        &["content"],
        &["content", "list"],
        &["content", "show"],
        &["content", "check"],
        &["serve"],
        &["export"],
        &["import"],
        &["backup"],
        &["audit"],
        &["demo"],
        &["config"],
        &["config", "show"],
        &["config", "path"],
        &["completions"],
        &["man"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let help = mend(&args);
        assert!(help.contains("Example"), "`mend {}` has no example in its help:\n{help}", command.join(" "));
    }
}

#[test]
fn completions_and_man_page_are_generated() {
    assert!(mend(&["completions", "bash"]).contains("_mend()"));
    assert!(mend(&["completions", "fish"]).contains("complete -c mend"));
    assert!(mend(&["man"]).contains(".TH mend"));
}
