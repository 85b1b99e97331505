#!/usr/bin/env python3
"""workspace_test.py — `./run exercises DIR` run again keeps the learner's work.

(tools/exercises/exercises.py, make_workspace; docs/exercises.md, "Start".) A second run into a
workspace refreshes it from the source tree only if every file there is what the last run wrote;
a file the learner changed, deleted or made where the source now has one is listed, the run
exits 1 and nothing is touched; --force replaces them. Until this test, only the files with
exercise regions were checked, and a tutorial or a header the learner had edited was copied over
without a word.

The source tree is a small one made here (a git repository, as the real one is): the tool, a
file with one exercise region, a header, a tutorial and a CMakeLists.txt of no language, so that
the workspace's configure step takes no time.

    workspace_test.py SOURCE_DIR
"""
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REGION = """\
void reverse_loop() {
  // exercise 1: the reverse loop -- tutorial 02_the_tape
  // stub: ag::exercise::not_written(1);
  for (int i = 3; i-- > 0;) step(i);
  // end exercise 1
}
"""
failures = []


def check(ok, what, output=""):
    """Prints the check; on a failure, with the tool's output."""
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok or not output else f"\n{output}"))
    if not ok:
        failures.append(what)


def main():
    source = Path(sys.argv[1])
    work = Path(tempfile.mkdtemp(prefix="tapegrad_workspace_test_"))
    try:
        run_checks(source, work)
    finally:
        shutil.rmtree(work)
    print(f"{len(failures)} failed" if failures else "all passed")
    return 1 if failures else 0


def run_checks(source, work):
    tree, ws = work / "tree", work / "ws"
    for rel in ("tools/exercises/exercises.py", "tools/exercises/not_written.hpp"):
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / rel, tree / rel)
    files = {"CMakeLists.txt": "cmake_minimum_required(VERSION 3.16)\nproject(fake NONE)\n",
             "autograd/src/tape.cpp": REGION,
             "nn/include/nn/optim.hpp": "// optim.hpp\n",
             "tutorials/04_moons_mlp.cpp": "// tutorial 04\n"}
    for rel, text in files.items():
        (tree / rel).parent.mkdir(parents=True, exist_ok=True)
        (tree / rel).write_text(text)
    git(tree, "init", "-q")
    git(tree, "add", "-A")

    def run(*options):
        done = subprocess.run([sys.executable, str(tree / "tools/exercises/exercises.py"),
                               "workspace", str(ws), *options], capture_output=True, text=True)
        return done.returncode, done.stdout + done.stderr

    def append(rel, line):
        with open(ws / rel, "a") as f:
            f.write(line)

    code, out = run()
    check(code == 0 and "not_written(1)" in (ws / "autograd/src/tape.cpp").read_text(),
          "a first run makes the workspace, each region its stub", out)

    # Unchanged: a run again refreshes it from the source.
    (tree / "nn/include/nn/optim.hpp").write_text("// optim.hpp, changed in the source\n")
    code, out = run()
    check(code == 0 and "changed in the source" in (ws / "nn/include/nn/optim.hpp").read_text(),
          "a run over an unchanged workspace refreshes it from the source", out)

    # The audit's reproducer: a line added to a tutorial and to a header, neither with exercises.
    append("tutorials/04_moons_mlp.cpp", "// my line\n")
    append("nn/include/nn/optim.hpp", "// my line too\n")
    code, out = run()
    check(code == 1, "a run over edited files is refused", out)
    check("tutorials/04_moons_mlp.cpp" in out and "nn/include/nn/optim.hpp" in out
          and "--force" in out, "the refusal lists the files and says how to proceed", out)
    check("// my line\n" in (ws / "tutorials/04_moons_mlp.cpp").read_text()
          and "// my line too\n" in (ws / "nn/include/nn/optim.hpp").read_text(),
          "both lines are still there")

    # The exercise file (checked before this fix too), a deletion, and a file of the learner's
    # where the source now has one.
    append("autograd/src/tape.cpp", "// my answer\n")
    (ws / "CMakeLists.txt").unlink()
    (ws / "notes.md").write_text("my notes\n")
    (tree / "notes.md").write_text("the source's notes\n")
    git(tree, "add", "notes.md")
    code, out = run()
    check(code == 1 and "autograd/src/tape.cpp\n" in out and "CMakeLists.txt (deleted)" in out
          and "notes.md (yours)" in out, "each kind of change is listed", out)
    check((ws / "notes.md").read_text() == "my notes\n", "the learner's notes.md is kept")

    # --force: a fresh workspace, after which a run again is a refresh.
    code, out = run("--force")
    check(code == 0 and "my line" not in (ws / "tutorials/04_moons_mlp.cpp").read_text()
          and (ws / "notes.md").read_text() == "the source's notes\n",
          "--force replaces them with a fresh workspace", out)
    code, out = run()
    check(code == 0, "and then a run again is a refresh", out)

    # A file the source no longer has is the learner's to keep: a run leaves it, edited or not.
    append("tutorials/04_moons_mlp.cpp", "// my line\n")
    (tree / "tutorials/04_moons_mlp.cpp").unlink()
    git(tree, "add", "-A")
    code, out = run()
    check(code == 0 and "// my line\n" in (ws / "tutorials/04_moons_mlp.cpp").read_text(),
          "an edited file the source has dropped is left as it is", out)

    # A workspace made before every file's digest was kept (only the exercise files'): the rest
    # are compared with the source, so an edited header is still found.
    meta = ws / ".exercises.json"
    written = json.loads(meta.read_text())["written"]
    old = hashlib.sha1((ws / "autograd/src/tape.cpp").read_bytes() + b"\0").hexdigest()
    check(written["autograd/src/tape.cpp"] == old, "the digests are the ones the old format used")
    meta.write_text(json.dumps({"source": str(tree), "files": {"autograd/src/tape.cpp": old}}))
    code, out = run()
    check(code == 0, "an unchanged workspace of the old format is refreshed", out)
    meta.write_text(json.dumps({"source": str(tree), "files": {"autograd/src/tape.cpp": old}}))
    append("nn/include/nn/optim.hpp", "// my line\n")
    code, out = run()
    check(code == 1 and "nn/include/nn/optim.hpp" in out,
          "an edited header in a workspace of the old format is found", out)


def git(tree, *args):
    # (Without git the tool lists the tree's files itself: then the tree needs no repository.)
    if shutil.which("git"):
        subprocess.run(["git", "-C", str(tree), *args], check=True, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
