#!/bin/sh
# kills_itself.sh — a stand-in for a tutorial that the kernel kills (out of memory): it sends
# itself SIGKILL, whatever its arguments. run_full_test.sh and the tutorial wrapper's test run it
# where a tutorial would run, to check that a killed program is reported as killed, not as a
# claim that did not reproduce.
kill -KILL $$
