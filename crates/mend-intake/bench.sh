#!/bin/sh
# Benchmarks the intake server, serving a relay folder, against its two baselines (a fixed page,
# a bare durable insert), and times `mend sync` taking 1,000 sealed answers into the record.
# Needs oha (`cargo install oha`) and wrk (`apt-get install wrk`). Extra arguments go to the
# benchmark, for example `--seconds 5`, `--checkin`, `--encrypted` (the record only: the relay's
# file is plain, its contents sealed) or `--questionnaire tests/intake/fixture.toml`.
set -eu
cd "$(dirname "$0")/../.."
cargo build --release -p mend-intake --example bench --example serve
# Where cargo put it: CARGO_TARGET_DIR when set (a relative one is taken from this folder).
exec "${CARGO_TARGET_DIR:-target}/release/examples/bench" "$@"
