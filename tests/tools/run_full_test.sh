#!/usr/bin/env bash
# run_full_test.sh — `./run pages` reports a program's exit status for what it is: a claim that
# did not reproduce (status 1), a signal (a program killed, e.g. out of memory), or an error. Runs
# programs that do each through run_full (tools/run_full.sh), the function `./run pages` uses.
#
#   run_full_test.sh SOURCE_DIR WORK_DIR
set -uo pipefail
source_dir=$1 work=$2
rm -rf "$work"
mkdir -p "$work/build/pages"
cd "$work" || exit 1
source "$source_dir/tools/run_full.sh"

printf '#!/bin/sh\nexit 1\n' >claim_fails.sh
printf '#!/bin/sh\nexit 3\n' >errs.sh
printf '#!/bin/sh\nexit 0\n' >holds.sh
chmod +x claim_fails.sh errs.sh holds.sh

failures=0
# expect PROGRAM STATUS WANTED [UNWANTED]: run_full's first line must contain WANTED (and not
# UNWANTED), and it must return STATUS.
expect() {
  local out status=0
  out=$(run_full "$1" 2>&1) || status=$?
  local first=${out%%$'\n'*}
  if [ "$status" -ne "$2" ] || [[ "$first" != *"$3"* ]] || { [ -n "${4:-}" ] && [[ "$first" == *"$4"* ]]; }; then
    echo "FAIL: run_full $(basename "$1") returned $status and said: $first"
    echo "      wanted status $2 and '$3'${4:+, without '$4'}"
    failures=$((failures + 1))
  else
    echo "ok: $first"
  fi
}
expect "$source_dir/tests/tools/kills_itself.sh" 1 "killed by signal 9 (SIGKILL: out of memory?" \
  "claim"
expect "$PWD/claim_fails.sh" 1 "a claim did not reproduce"
expect "$PWD/errs.sh" 1 "exited with status 3, an error" "claim did not"
expect "$PWD/holds.sh" 0 "holds.sh: "
exit $((failures > 0))
