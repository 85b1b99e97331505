#!/usr/bin/env bash
# run_full_test.sh — `./run pages` reports a program's exit status for what it is: a claim that
# did not reproduce (status 1), a signal (a program killed, e.g. out of memory), or an error. Runs
# programs that do each through run_full (tools/run_full.sh), the function `./run pages` uses.
# Then full_runs, with stand-in tutorials that log when they start and end: one named to run
# alone runs after the others, its fresh run then its replication, with nothing beside it.
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

# full_runs: three stand-in tutorials, each sleeping a little between its "start" and "end" lines
# (appended to one log, so the lines show which runs overlapped); 02_timed is to run alone.
mkdir -p tutorials
cat >tutorials/stand_in.sh <<'EOS'
#!/bin/sh
seed=1
[ "$1" = --seed ] && seed=$2
echo "start $(basename "$0") $seed" >>"$FULL_RUNS_LOG"
sleep 0.3
echo "end $(basename "$0") $seed" >>"$FULL_RUNS_LOG"
EOS
for name in 01_first 02_timed 03_third; do
  cp tutorials/stand_in.sh "tutorials/$name"
  chmod +x "tutorials/$name"
done
export FULL_RUNS_LOG=$PWD/full_runs.log
status=0
full_runs "02_timed" tutorials/01_first tutorials/02_timed tutorials/03_third >/dev/null ||
  status=$?
alone=$(tail -n 4 "$FULL_RUNS_LOG" | tr '\n' ',')
if [ "$status" -ne 0 ] || [ "$(wc -l <"$FULL_RUNS_LOG")" -ne 12 ] ||
   [ "$alone" != "start 02_timed 1,end 02_timed 1,start 02_timed 1001,end 02_timed 1001," ] ||
   [ ! -f build/pages/02_timed.log ] || [ ! -f build/pages/replication/02_timed.log ]; then
  echo "FAIL: full_runs returned $status; 02_timed did not run alone and last, fresh run then"
  echo "      replication. The log of starts and ends:"
  sed 's/^/        /' "$FULL_RUNS_LOG"
  failures=$((failures + 1))
else
  echo "ok: full_runs ran 02_timed alone, after the others: $alone"
fi
# Named to run alone by none (the check, --check): every run two at a time, and all of them.
rm -f "$FULL_RUNS_LOG"
full_runs "" tutorials/01_first tutorials/02_timed tutorials/03_third >/dev/null || status=$?
if [ "$status" -ne 0 ] || [ "$(grep -c '^end' "$FULL_RUNS_LOG")" -ne 6 ] ||
   [ "$(head -n 2 "$FULL_RUNS_LOG" | grep -c '^start')" -ne 2 ]; then
  echo "FAIL: full_runs with none alone returned $status; want 6 runs, the first two together:"
  sed 's/^/        /' "$FULL_RUNS_LOG"
  failures=$((failures + 1))
else
  echo "ok: full_runs with none alone ran all six, two at a time"
fi
exit $((failures > 0))
