# run_full.sh — one program of `./run pages` in full mode, and what its exit status means. Sourced
# by ./run (and by tests/tools/run_full_test.sh, which runs a program that kills itself through it).
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
# exits 0. (Run by xargs, two at a time, for the tutorials.)
run_full() {
  local name out=${PAGES_OUT:-build/pages}
  name=$(basename "$1")
  local start=$SECONDS status=0 log="$out/$name.log" args="${*:2}"
  mkdir -p "$out"
  # (One OpenBLAS thread: two tutorials share the two cores, and the sums come out in one order.)
  OPENBLAS_NUM_THREADS=1 "$1" "${@:2}" --out "$out/$name" >"$log" 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then
    echo "run: $name${args:+ $args}: $((SECONDS - start)) s"
  else
    echo "run: $name${args:+ $args}: $(exit_meaning "$status") ($((SECONDS - start)) s; $log):"
    tail -n 30 "$log"
    return 1
  fi
}
