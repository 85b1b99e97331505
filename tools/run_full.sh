# run_full.sh — one program of `./run pages` in full mode, and what its exit status means; and
# full_runs, every tutorial so, and again on the replication's seeds. Sourced by ./run (and by
# tests/tools/run_full_test.sh, which runs stand-in programs through both).
#
# A tutorial exits with 1 when a claim did not reproduce (tut::Tutorial::finish) and with 0
# otherwise. Any other status is not a verdict: a status above 128 is a signal (the kernel's
# out-of-memory killer sends SIGKILL, a crash is SIGSEGV or SIGABRT), anything else an error
# (a bad option, an exception). Reporting those as "a claim did not reproduce" would send the
# reader to the claims, where nothing is wrong.

# exit_meaning STATUS: what a tutorial's exit status says, in words ("" for 0).
exit_meaning() {
  local status=$1
  if [ "$status" -eq 0 ]; then
    echo ""
  elif [ "$status" -eq 1 ]; then
    echo "a claim did not reproduce"
  elif [ "$status" -gt 128 ]; then
    local signal=$((status - 128)) name
    name=$(kill -l "$signal" 2>/dev/null || echo "?")
    local why=""
    [ "$name" = KILL ] && why=": out of memory? dmesg tells"
    echo "killed by signal $signal (SIG$name$why), so no verdict"
  else
    echo "exited with status $status, an error (a claim that does not reproduce exits with 1)," \
      "so no verdict"
  fi
}

# run_full PROGRAM [ARG...]: PROGRAM in full mode, its output in $PAGES_OUT/NAME.log and its
# results in $PAGES_OUT/NAME/results.json (NAME is the program's file name; PAGES_OUT is
# build/pages unless set: build/pages/replication for the replication runs). Returns 1 unless it
# exits 0. (Run by full_runs for the tutorials: two at a time, or alone for a timed one.)
run_full() {
  local name out=${PAGES_OUT:-build/pages}
  name=$(basename "$1")
  local start=$SECONDS status=0 log="$out/$name.log" args="${*:2}"
  mkdir -p "$out"
  # (One OpenBLAS thread: two tutorials may share the two cores, and the sums come out in one
  # order.)
  OPENBLAS_NUM_THREADS=1 "$1" "${@:2}" --out "$out/$name" >"$log" 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then
    echo "run: $name${args:+ $args}: $((SECONDS - start)) s"
  else
    echo "run: $name${args:+ $args}: $(exit_meaning "$status") ($((SECONDS - start)) s; $log):"
    tail -n 30 "$log"
    return 1
  fi
}

# full_runs ALONE PROGRAM...: each tutorial PROGRAM through run_full twice, on its own seeds and,
# to replicate its verdicts, on seeds 1001 on (PAGES_OUT=build/pages/replication; tools/pages.hpp,
# "replication"), two runs at a time on the two cores. ALONE names (space-separated, by file
# name) the programs to run alone instead, once the others are done: their fresh run, then their
# replication, with nothing else running. `./run pages` names there the tutorials whose results
# hold a timing claim (`pages timed`: 05 and 11), whose rounds of CPU time another program on
# the same cores moves (page 11's saving from hard-sigmoid gates read -13%, +2% and -1% in three
# runs beside another); `./run pages --check` names none, as CI compares no timing and has no
# time to spare. Returns 1 if any run did not exit 0.
full_runs() {
  local alone=" $1 " status=0 t
  shift
  export -f run_full exit_meaning  # (for the shells xargs starts)
  for t in "$@"; do
    [[ "$alone" == *" $(basename "$t") "* ]] && continue
    echo "$t"
    echo "$t --seed 1001"
  done |
    xargs -r -P 2 -L 1 bash -c 'if [ $# -gt 1 ]; then PAGES_OUT=build/pages/replication run_full "$@";
      else run_full "$1"; fi' _ || status=1
  for t in "$@"; do
    [[ "$alone" == *" $(basename "$t") "* ]] || continue
    echo "run: $(basename "$t") times rounds of CPU time: run alone, then its replication"
    run_full "$t" || status=1
    PAGES_OUT=build/pages/replication run_full "$t" --seed 1001 || status=1
  done
  return $status
}
