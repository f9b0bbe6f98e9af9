#!/usr/bin/env bash
# Runs each fuzz target for a bounded time (default 60 s each): the importers (CSV, XLSX), the
# config loader and the holiday-file parser. Not part of CI.
#   bash fuzz/run.sh            # 60 s per target
#   bash fuzz/run.sh 600 config # 10 minutes on one target
# Needs cargo-fuzz (`cargo install cargo-fuzz`); the stable toolchain is used with
# RUSTC_BOOTSTRAP=1 for the sanitizer flags. Crashes land in fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(import_csv import_xlsx config holidays)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
# Seeds: the shipped files (copied, not kept twice in the repository) and the small seed-* files.
mkdir -p corpus/import_csv corpus/import_xlsx corpus/config corpus/holidays
cp ../config/examples/register.csv corpus/import_csv/shipped-register.csv
cp ../config/examples/register.xlsx corpus/import_xlsx/shipped-register.xlsx
cp ../config/petition-watch.toml corpus/config/shipped-petition-watch.toml
cp ../config/holidays/*.toml corpus/holidays/
status=0
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  echo "== $target: ${seconds}s"
  if ! cargo fuzz run -O "$target" "corpus/$target" -- -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 2>&1 \
      | grep -E "^(#[0-9]+.*(DONE|pulse)|==[0-9]+==|SUMMARY|Done|artifact)" ; then
    :
  fi
  if ls "artifacts/$target"/crash-* "artifacts/$target"/oom-* "artifacts/$target"/timeout-* >/dev/null 2>&1; then
    echo "!! $target: findings in fuzz/artifacts/$target/"
    status=1
  fi
done
exit $status
