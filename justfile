# Shortcuts for the commands in README.md; each recipe is one command you could type yourself.

# List the recipes.
default:
    @just --list

# Walk the whole journey with invented people (the README's first command).
demo:
    cargo run -- demo

# Run mend with any arguments: `just run couple list`.
run *ARGS:
    cargo run -- {{ARGS}}

# Run the intake server on 127.0.0.1:8080.
serve:
    cargo run -- serve

# Every test (the README's second command).
test:
    cargo test --workspace

# Clippy with warnings as errors, and the format check.
lint:
    cargo clippy --workspace --all-targets -- -D warnings
    cargo fmt --all --check

# Format everything.
fmt:
    cargo fmt --all

# The benchmarks named by the issues: PDF rendering, the intake server, `mend plan`, `mend due`.
bench:
    cargo bench -p mend-pdf
    ./crates/mend-intake/bench.sh
    cargo bench -p mend-cli --bench cli
    cargo bench -p mend-cli --bench due

# Fuzz each target (form, content, pdf) for SECONDS in turn, or only those named:
# `just fuzz 600 pdf`. Crashes land in fuzz/artifacts/TARGET; see fuzz/README.md.
fuzz SECONDS="60" *TARGETS="form content pdf":
    cd fuzz && for target in {{TARGETS}}; do mkdir -p corpus/$target && cargo fuzz run --sanitizer none $target corpus/$target seeds/$target -- -max_total_time={{SECONDS}} || exit 1; done

# Everything CI runs.
ci:
    ./.ci/run
