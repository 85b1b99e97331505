#!/usr/bin/env python3
"""exercises.py — the exercises: a workspace to write them in, their grading, and CI's self-test.

    ./run exercises [DIR] [--force]   a workspace in DIR (default ../tapegrad-exercises): a copy of
                                      the tree with every marked region replaced by its stub (run
                                      again: refreshed, unless a file there is not what the last
                                      run wrote: refused, listing them; --force replaces them)
    ./run check N | all               (in the workspace) grades exercise N, or each in turn
    ./run exercises --selftest        (in the source tree, CI) every grader FAILS on its stub and
                                      on each wrong answer, and PASSES on the source's region

docs/exercises.md is the learner's page; this is how it works.

A region is marked in the real source with comment lines only, so the normal build never sees it:

    // exercise 6: exp's local derivative -- tutorial 01_scalar_autodiff
    // stub: constexpr auto d_exp = [](double, double) { return ag::exercise::not_written(6); };
    // wrong one: constexpr auto d_exp = [](double, double) { return 1.0; };
    constexpr auto d_exp = [](double, double result) { return result; };
    // end exercise 6

`// stub:` lines (one or more, in order) are the code a workspace starts with; `// wrong NAME:`
lines are a plausible wrong answer, which the self-test must see fail. Everything between the last
of those and `// end exercise N` is the answer (in a workspace: the learner's code). The marker
lines stay in every copy, so a workspace file can be read back the same way.

Exercise N is always graded in a build where exercises 1..N-1 hold the source's answers, N holds
the code under test, and N+1.. hold their stubs. Every file that holds a region is composed that
way and compiled on its own; every other file of the engine is compiled once. Objects are kept by
the hash of what went into them (the file's text, the command, every header), so each distinct
variant of a file is compiled once, and the grader is relinked per exercise: that is what keeps
the self-test inside CI's time. Builds use the flags CMake wrote to compile_commands.json (with
TAPEGRAD_FAST=OFF: the learner's readable code is what runs), at -O0: they run tiny checks.
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

MARK = re.compile(r"^(\s*)// exercise (\d+): (.*)$")
TAG = re.compile(r"^\s*// (stub|wrong [A-Za-z0-9-]+): ?(.*)$")
END = re.compile(r"^\s*// end exercise (\d+)\s*$")
# Where regions may sit: the engine and nn's sources (headers would force every includer to be
# compiled once per variant).
REGION_DIRS = ("autograd/src", "nn/src")
META = ".exercises.json"


@dataclass
class Region:
    number: int
    title: str
    indent: str
    head: list            # the marker line and its stub/wrong lines, as written
    variants: dict        # "stub" / "wrong NAME" -> code lines (without the region's indent)
    code: list            # the lines between the tags and the end marker
    end: str              # the end marker line
    first_code_line: int  # 1-based line number of code[0] in its file


@dataclass
class MarkedFile:
    path: str                                  # relative to the tree
    parts: list = field(default_factory=list)  # str lines and Regions, in order

    def regions(self):
        return [p for p in self.parts if isinstance(p, Region)]


def parse(path, text):
    """Splits a file into its plain lines and its marked regions."""
    f = MarkedFile(path)
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = MARK.match(lines[i])
        if not m:
            if END.match(lines[i]):
                sys.exit(f"exercises: {path}:{i + 1}: '// end exercise' with no region open")
            f.parts.append(lines[i])
            i += 1
            continue
        region = Region(int(m.group(2)), m.group(3).strip(), m.group(1), [lines[i]], {}, [], "", 0)
        i += 1
        while i < len(lines) and TAG.match(lines[i]):
            tag, code = TAG.match(lines[i]).groups()
            region.variants.setdefault(tag, []).append(code)
            region.head.append(lines[i])
            i += 1
        region.first_code_line = i + 1
        while i < len(lines) and not END.match(lines[i]):
            if MARK.match(lines[i]):
                sys.exit(f"exercises: {path}:{i + 1}: a region opens inside exercise "
                         f"{region.number}")
            region.code.append(lines[i])
            i += 1
        if i == len(lines) or int(END.match(lines[i]).group(1)) != region.number:
            sys.exit(f"exercises: {path}: exercise {region.number} has no "
                     f"'// end exercise {region.number}'")
        if "stub" not in region.variants:
            sys.exit(f"exercises: {path}: exercise {region.number} has no '// stub:' line")
        region.end = lines[i]
        f.parts.append(region)
        i += 1
    return f


def variant_lines(region, variant):
    """The code of a stub or a wrong answer, at the region's indentation."""
    return [region.indent + line if line else line for line in region.variants[variant]]


def compose(marked, code_for, line_marks=None):
    """The file's text with each region's code chosen by code_for(region) (a list of lines).

    With line_marks (the path to name), #line directives keep the compiler's messages pointing
    at the lines of the marked file, whatever the length of the code put in between.
    """
    out, line = [], 1
    for part in marked.parts:
        if isinstance(part, str):
            out.append(part)
            line += 1
            continue
        out.extend(part.head)
        line += len(part.head)
        if line_marks:
            out.append(f'#line {part.first_code_line} "{line_marks}"')
        out.extend(code_for(part))
        line += len(part.code)
        out.append(part.end)
        line += 1
        if line_marks:
            out.append(f'#line {line} "{line_marks}"')
    return "\n".join(out)


def scan(tree):
    """Every file under REGION_DIRS that holds a region: {relative path: MarkedFile}."""
    files, seen = {}, {}
    for d in REGION_DIRS:
        for p in sorted((tree / d).rglob("*")):
            if p.suffix not in (".cpp", ".hpp") or "// exercise " not in p.read_text():
                continue
            rel = str(p.relative_to(tree))
            marked = parse(rel, p.read_text())
            for r in marked.regions():
                if r.number in seen:
                    sys.exit(f"exercises: exercise {r.number} is marked twice ({seen[r.number]} "
                             f"and {rel})")
                seen[r.number] = rel
            if marked.regions():
                files[rel] = marked
    numbers = sorted(seen)
    if numbers != list(range(1, len(numbers) + 1)):
        sys.exit(f"exercises: the exercises are not numbered 1..N: {numbers}")
    return files


def sha(*texts):
    h = hashlib.sha1()
    for t in texts:
        h.update(t.encode() if isinstance(t, str) else t)
        h.update(b"\0")
    return h.hexdigest()


# ----- building: objects kept by hash, the grader relinked per exercise ---------------------------
class Builder:
    def __init__(self, tree, build_dir, jobs):
        self.tree, self.dir, self.jobs = tree.resolve(), build_dir.resolve(), jobs
        self.link_dir = self.dir / "tests" / "exercises"  # where CMake links the grader
        self.configure()
        # The grader's translation units, as CMake builds them: rel -> (directory, command).
        self.commands = {}
        objects = self.grader_objects()
        for entry in json.loads((self.dir / "compile_commands.json").read_text()):
            command = shlex.split(entry["command"])
            obj = (Path(entry["directory"]) / command[command.index("-o") + 1]).resolve()
            if obj in objects:
                objects.remove(obj)
                self.commands[os.path.relpath(entry["file"], self.tree)] = (entry["directory"],
                                                                           command)
        if objects or not self.commands:
            sys.exit(f"exercises: {self.dir}'s compile_commands.json has no command for "
                     f"{', '.join(sorted(map(str, objects))) or 'the grader'}")
        # Every header the units may include: a change to any of them makes every object new.
        # (Each library's folder, autograd/src -> autograd/, with its include/; the grader's own.)
        folders = {rel.split("/src/")[0] if "/src/" in rel else str(Path(rel).parent)
                   for rel in self.commands} | {"tools/exercises"}
        headers = sorted(p for d in sorted(folders)
                         for p in (self.tree / d).rglob("*") if p.suffix in (".hpp", ".h"))
        headers += sorted((self.dir / "autograd" / "include").rglob("*.hpp"))
        self.headers = sha(*(p.read_bytes() for p in headers))
        (self.dir / "objects").mkdir(exist_ok=True)
        (self.dir / "variants").mkdir(exist_ok=True)
        (self.dir / "bin").mkdir(exist_ok=True)
        self.pending = {}
        self.failed = {}  # object -> the compiler's message
        self.compiled = 0

    def grader_objects(self):
        """The objects CMake links the grader from: its own, and every object of each of the
        project's static libraries on its link line (the engine, io, nn: whatever CMake says the
        grader needs, so that a library added there is added here too)."""
        objects = set()
        for token in shlex.split(self.link_line().read_text()):
            if token.endswith(".o"):
                objects.add((self.link_dir / token).resolve())
            elif re.search(r"libtapegrad_\w+\.a$", token):
                library = (self.link_dir / token).resolve()
                for archive in library.parent.glob("CMakeFiles/*.dir/link.txt"):
                    words = shlex.split(archive.read_text())
                    if library.name in words:  # `ar qc libtapegrad_nn.a CMakeFiles/nn.dir/...o`
                        objects.update((library.parent / w).resolve() for w in words
                                       if w.endswith(".o"))
        return objects

    def link_line(self):
        return self.link_dir / "CMakeFiles/exercise_grader.dir/link.txt"

    def configure(self):
        flags = f"-O0 -include {self.tree}/tools/exercises/not_written.hpp"
        # (Every time: a changed CMakeLists.txt must reach compile_commands.json and link.txt.)
        if not (self.dir / "CMakeCache.txt").exists():
            print(f"exercises: configuring {self.dir} (TAPEGRAD_FAST=OFF, -O0)", flush=True)
        subprocess.run(
            ["cmake", "-S", str(self.tree), "-B", str(self.dir), "-DCMAKE_BUILD_TYPE=None",
             f"-DCMAKE_CXX_FLAGS={flags}", "-DTAPEGRAD_FAST=OFF", "-DTAPEGRAD_WERROR=OFF",
             "-DTAPEGRAD_BUILD_TUTORIALS=OFF", "-DTAPEGRAD_BUILD_BENCHMARKS=OFF",
             "-DTAPEGRAD_BUILD_TESTS=ON"], check=True, stdout=subprocess.DEVNULL)

    def object_for(self, rel, text=None):
        """Schedules the compilation of unit rel (with text instead of the file's, if given) and
        returns the object's path."""
        directory, command = self.commands[rel]
        source = str(self.tree / rel)
        if text is None:
            text = (self.tree / rel).read_text()
        key = sha(" ".join(command), text, self.headers)
        obj = self.dir / "objects" / f"{Path(rel).stem}.{key[:16]}.o"
        if obj.exists() or obj in self.pending:
            return obj
        variant = self.dir / "variants" / key[:16] / Path(rel).name
        variant.parent.mkdir(parents=True, exist_ok=True)
        variant.write_text(text)
        cmd = []
        skip = False
        for i, token in enumerate(command):
            if skip:
                skip = False
                continue
            if token == "-o":
                cmd += ["-o", str(obj) + ".tmp"]
                skip = True
            elif token == source:
                cmd.append(str(variant))
            else:
                cmd.append(token)
        # The unit's own folder for its "..." includes (the copy sits in another one).
        cmd[1:1] = ["-iquote", str(Path(source).parent)]
        self.pending[obj] = (directory, cmd)
        return obj

    def compile_pending(self):
        def run(item):
            obj, (directory, cmd) = item
            done = subprocess.run(cmd, cwd=directory, capture_output=True, text=True)
            if done.returncode == 0:
                os.replace(str(obj) + ".tmp", obj)
            else:
                self.failed[obj] = done.stderr
            return obj
        with concurrent.futures.ThreadPoolExecutor(self.jobs) as pool:
            list(pool.map(run, self.pending.items()))
        self.compiled += len(self.pending)
        self.pending = {}

    def link(self, objects, name):
        """The grader from these objects, as CMake would link it (its link.txt, with the static
        libraries replaced by their objects)."""
        tokens = shlex.split(self.link_line().read_text())
        exe = self.dir / "bin" / name
        cmd, skip, placed = [], False, False
        for token in tokens:
            if skip:
                skip = False
                continue
            if token == "-o":
                cmd += ["-o", str(exe)]
                skip = True
            elif token.endswith(".o") or re.search(r"libtapegrad_\w+\.a$", token):
                if not placed:
                    cmd += [str(o) for o in objects]
                    placed = True
            else:
                cmd.append(token)
        subprocess.run(cmd, cwd=self.link_dir, check=True)
        return exe


# ----- one exercise's build: 1..N-1 answered from the source, N under test, N+1.. stubbed ---------
def units_for(builder, files, source_files, n, code_of_n, line_marks):
    """The objects of the grader for exercise n, with code_of_n(region) as its code."""
    def code_for(region):
        if region.number < n:
            return source_files[path_of[region.number]].regions_by_number[region.number].code
        if region.number > n:
            return variant_lines(region, "stub")
        return code_of_n(region)
    path_of = {r.number: rel for rel, f in files.items() for r in f.regions()}
    objects = []
    for rel in sorted(builder.commands):
        if rel in files:
            marks = str(builder.tree / rel) if line_marks else None
            objects.append(builder.object_for(rel, compose(files[rel], code_for, marks)))
        else:
            objects.append(builder.object_for(rel))
    return objects


def index_regions(files):
    for f in files.values():
        f.regions_by_number = {r.number: r for r in f.regions()}
    return {r.number: r for f in files.values() for r in f.regions()}


def run_grader(exe, n):
    done = subprocess.run([str(exe), str(n)], capture_output=True, text=True, timeout=300)
    return done.returncode, (done.stdout + done.stderr).strip()


# ----- ./run exercises --selftest -----------------------------------------------------------------
def selftest(tree, jobs):
    start, cpu_start = time.time(), os.times()
    files = scan(tree)
    regions = index_regions(files)
    builder = Builder(tree, tree / "build-exercises", jobs)
    plan = []  # (exercise, variant, objects, expected to pass)
    for n in sorted(regions):
        variants = ["stub"] + sorted(v for v in regions[n].variants if v != "stub") + ["answer"]
        for v in variants:
            code = (lambda r: r.code) if v == "answer" else (lambda r, v=v: variant_lines(r, v))
            plan.append((n, v, units_for(builder, files, files, n, code, True), v == "answer"))
    print(f"exercises: {len(regions)} exercises, {len(plan)} variants to grade; compiling "
          f"{len(builder.pending)} distinct objects", flush=True)
    builder.compile_pending()
    status = 0
    for n, v, objects, should_pass in plan:
        broken = [o for o in objects if o in builder.failed]
        if broken:
            if should_pass or v == "stub":
                print(f"exercise {n}: the {v} does not compile:\n{builder.failed[broken[0]]}")
                status = 1
            else:
                print(f"exercise {n}: {v}: does not compile (a wrong answer must compile)\n"
                      f"{builder.failed[broken[0]]}")
                status = 1
            continue
        exe = builder.link(objects, f"grader_{n}_{v.replace(' ', '_')}")
        code, output = run_grader(exe, n)
        exe.unlink()  # (dozens of them: keep the objects, not the programs)
        passed = code == 0
        verdict = "PASS" if passed else "FAIL"
        ok = passed == should_pass
        hint = output.splitlines()[-1].strip() if not passed and output else ""
        print(f"exercise {n}: {v:24} {verdict}{'' if ok else '   <-- expected the opposite'}"
              f"{'   ' + hint if hint else ''}", flush=True)
        if not ok:
            print(output)
            status = 1
    cpu = os.times()
    user = cpu.children_user - cpu_start.children_user + cpu.user - cpu_start.user
    system = cpu.children_system - cpu_start.children_system + cpu.system - cpu_start.system
    print(f"exercises: self-test {'passed' if status == 0 else 'FAILED'}: {len(plan)} variants, "
          f"{builder.compiled} objects compiled, {time.time() - start:.0f} s wall, "
          f"{user + system:.0f} s CPU")
    return status


# ----- ./run exercises [DIR] ----------------------------------------------------------------------
def tree_files(tree):
    try:
        listed = subprocess.run(["git", "-C", str(tree), "ls-files", "-z"], check=True,
                                capture_output=True).stdout.decode().split("\0")
        return [f for f in listed if f and (tree / f).is_file()]
    except (subprocess.CalledProcessError, FileNotFoundError):
        return [str(p.relative_to(tree)) for p in tree.rglob("*")
                if p.is_file() and not str(p.relative_to(tree)).startswith(("build", ".git"))]


def changed_in_workspace(tree, target, meta):
    """The files a run would write over (or write again) in the workspace that are not what the
    last run wrote there: the learner's work ("path", "path (deleted)" or "path (yours)")."""
    written = meta.get("written")
    if written is None:
        # A workspace made before every file's digest was kept ("files": the exercise files'
        # alone): the other files are compared with the source tree's. A file changed in the
        # source since then counts as the learner's too, which loses nothing.
        written = {rel: sha((tree / rel).read_bytes()) for rel in tree_files(tree)}
        written.update(meta["files"])
    changed = []
    for rel in sorted(tree_files(tree)):
        path = target / rel
        if rel not in written:  # new in the source: the learner's, if the workspace has it
            changed += [f"{rel} (yours)"] if path.exists() else []
        elif not path.is_file():
            changed.append(f"{rel} (deleted)")
        elif sha(path.read_bytes()) != written[rel]:
            changed.append(rel)
    return changed


def make_workspace(tree, target, force):
    target = target.resolve()
    if target == tree or tree in target.parents:
        sys.exit("exercises: the workspace must be outside the source tree")
    meta_path = target / META
    if target.exists() and any(target.iterdir()) and not force:
        if not meta_path.exists():
            sys.exit(f"exercises: {target} exists and is not a workspace; pass --force to use it")
        # Every file this run would write is checked, not only those with exercises: a learner
        # also edits a tutorial or a header, and a run that copied over them would lose that.
        # Refused whole rather than refreshing around the changed files: the new source beside
        # the learner's older copies could fail to build for reasons that are in neither.
        changed = changed_in_workspace(tree, target, json.loads(meta_path.read_text()))
        if changed:
            listing = "".join(f"\n  {rel}" for rel in changed)
            sys.exit(f"exercises: {target} holds your work: these files are not what the last "
                     f"./run exercises wrote there:{listing}\nNothing was changed. To keep them, "
                     "make the new workspace in another directory (./run exercises DIR) and "
                     "copy them across; to replace them with a fresh workspace, pass --force.")
    files = scan(tree)
    written = {}
    for rel in tree_files(tree):
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(tree / rel, dest)
        written[rel] = sha(dest.read_bytes())
    for rel, marked in files.items():
        text = compose(marked, lambda r: variant_lines(r, "stub"))
        (target / rel).write_text(text)
        written[rel] = sha((target / rel).read_bytes())
    # (What was written, file by file: the next run's check for the learner's work.)
    meta_path.write_text(json.dumps({"source": str(tree), "written": written}, indent=2) + "\n")
    count = sum(len(f.regions()) for f in files.values())
    print(f"exercises: a workspace in {target}: {count} exercises, each region its stub")
    # The workspace's own build (its tutorials, its tests) runs the readable loops too.
    subprocess.run(["cmake", "-S", str(target), "-B", str(target / "build"),
                    "-DCMAKE_BUILD_TYPE=Release", "-DTAPEGRAD_FAST=OFF",
                    f"-DCMAKE_CXX_FLAGS=-include {target}/tools/exercises/not_written.hpp"],
                   check=True, stdout=subprocess.DEVNULL)
    print(f"Next: cd {target} && ./run check 1   (docs/exercises.md; exercise 1 is the reverse "
          "loop in autograd/src/tape.cpp)")


# ----- ./run check N | all (in a workspace) -------------------------------------------------------
def check(workspace, which, jobs):
    meta_path = workspace / META
    if not meta_path.exists():
        sys.exit("exercises: not a workspace (no .exercises.json): make one with ./run exercises, "
                 "then run ./run check there")
    source = Path(json.loads(meta_path.read_text())["source"])
    source_files = scan(source)
    index_regions(source_files)
    files = scan(workspace)
    regions = index_regions(files)
    if which != "all" and not which.isdigit():
        sys.exit(f"usage: ./run check N | all   (N from 1 to {len(regions)})")
    numbers = sorted(regions) if which == "all" else [int(which)]
    for n in numbers:
        if n not in regions:
            sys.exit(f"exercises: there is no exercise {n} (1..{len(regions)})")
    builder = Builder(workspace, workspace / "build-check", jobs)
    plan = [(n, units_for(builder, files, source_files, n, lambda r: r.code, True))
            for n in numbers]
    if builder.pending:
        print(f"exercises: compiling {len(builder.pending)} files", flush=True)
    builder.compile_pending()
    passed = 0
    for n, objects in plan:
        broken = [o for o in objects if o in builder.failed]
        if broken:
            print(f"exercise {n} ({regions[n].title}): FAIL\n  hint: your code does not compile:")
            print(builder.failed[broken[0]])
            continue
        code, output = run_grader(builder.link(objects, f"grader_{n}"), n)
        print(output, flush=True)
        passed += code == 0
    if len(numbers) > 1:
        print(f"exercises: {passed} of {len(numbers)} pass")
    return 0 if passed == len(numbers) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ws = sub.add_parser("workspace")
    ws.add_argument("dir", nargs="?")
    ws.add_argument("--force", action="store_true")
    ws.add_argument("--selftest", action="store_true")
    ck = sub.add_parser("check")
    ck.add_argument("which")
    args = parser.parse_args()
    tree = Path(__file__).resolve().parents[2]
    jobs = os.cpu_count() or 2
    if args.command == "check":
        return check(tree, args.which, jobs)
    if args.selftest:
        return selftest(tree, jobs)
    make_workspace(tree, Path(args.dir or tree.parent / "tapegrad-exercises"), args.force)
    return 0


if __name__ == "__main__":
    sys.exit(main())
