#!/usr/bin/env bash
# pages_write_test.sh — `pages replicate` and `pages fill` write their file whole or not at all
# (ag::write_file_atomically): when a write fails they exit 1 with the system's reason, and the
# file they would have replaced is left as it was. A write is made to fail by a file-size limit of
# 0 bytes (ulimit -f 0, with SIGXFSZ ignored, so that write() fails with EFBIG), which no user,
# not even root, gets past. Then the same commands without the limit, to show they work.
#
#   pages_write_test.sh PAGES WORK_DIR
set -uo pipefail
pages=$1 work=$2
rm -rf "$work"
mkdir -p "$work"
cd "$work" || exit 1

cat >00_t.json <<'JSON'
{"tutorial": "00_t", "mode": "full", "seeds": [1, 2], "seconds": 1.0,
 "claims": [{"claim": "x", "kind": "trained", "holds": 2, "of": 2, "verdict": "MIXED",
             "text": "  claim:    x\n"}],
 "values": {}, "tables": {}}
JSON
sed 's/"seeds": \[1, 2\]/"seeds": [1001, 1002]/' 00_t.json >replication.json
printf '# T\n\n<!-- results: claim 1 --><!-- /results -->\n' >00_t.md
cp 00_t.json results.before
cp 00_t.md page.before

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# refused FILE BEFORE COMMAND...: under the limit, COMMAND exits 1 and says why, and FILE is
# still BEFORE.
refused() {
  local file=$1 before=$2 out status=0 was=$failures
  shift 2
  out=$( (trap '' XFSZ; ulimit -f 0; "$@") 2>&1) || status=$?
  [ "$status" -eq 1 ] || fail "$* under ulimit -f 0 returned $status (wanted 1): $out"
  [[ "$out" == *"File too large"* ]] || fail "$* did not name the write's failure: $out"
  cmp -s "$file" "$before" || fail "$* changed $file although its write failed"
  [ "$failures" -eq "$was" ] && echo "ok: refused: $out"
}
refused 00_t.json results.before "$pages" replicate 00_t.json replication.json
refused 00_t.md page.before "$pages" fill 00_t.md 00_t.json

"$pages" replicate 00_t.json replication.json || fail "replicate without the limit"
grep -q '"replication"' 00_t.json || fail "replicate wrote no replication"
"$pages" fill 00_t.md 00_t.json || fail "fill without the limit"
grep -q 'Replicated on seeds 1001-1002' 00_t.md || fail "fill did not fill the claim"
exit $((failures > 0))
