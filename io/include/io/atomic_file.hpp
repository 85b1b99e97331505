// atomic_file.hpp — write a whole file so that a failure never destroys the old one.
//
// (Not part of the autodiff story, so not in the engine: io/ is a library beside it, so that nn/
// (checkpoints), viz/ (pictures) and tools/ (the pages) save files the same careful way.)
//
// A plain std::ofstream empties the target the moment it opens it, and reports write errors late
// or not at all (a failed flush in its destructor, a failed close). If the disk fills up halfway
// through a save, the last good checkpoint is already gone. The classic recipe, used here:
//
//   1. write everything to a temporary file in the same directory (the same file system, so that
//      step 4 can be a rename), checking every write() call;
//   2. fsync it: the bytes are on the disk, not only in the page cache;
//   3. close it, checking the result (some file systems, e.g. NFS, report write errors only here);
//   4. rename it over the target: POSIX makes this atomic, so a reader (or a crash) finds either
//      the old file or the whole new one, never a mixture;
//   5. fsync the directory, so that the rename itself survives a power cut.
//
// A failure in steps 1-4 removes the temporary file and throws ag::IOError naming the path and
// the system's reason (errno's text); the old file is left byte for byte. A failure in step 5
// also throws, but by then the new file is in place. The new file keeps the old one's permission
// bits (a new target gets 0666 minus the umask, as with std::ofstream), and a target that may
// not be written (a read-only file) is refused, although the rename alone would get past it: the
// same test as a plain write's (access(W_OK)), so root, who may write a read-only file, replaces
// it too.
// Saving through a symbolic link replaces the file it points to (through a chain of links), not
// the link; a link to nothing gets the file it names, as with std::ofstream. A target with other
// hard links is not followed that way: the rename gives its path a new file, and its other names
// keep the old contents (where std::ofstream would change what every name reads). The temporary
// file is `<target>.tmp-<pid>-<n>`, its name before the suffix cut short where the whole would pass
// the longest name the directory allows (255 bytes, usually).
//
// A file-size limit (`ulimit -f`, RLIMIT_FSIZE) does not make write() fail unless the program
// ignores SIGXFSZ: by default the kernel kills the program at the write that would pass it
// (exit status 153 in a shell). The old file is then whole, since the rename never came, but the
// temporary file is left beside it, as after any other kill (SIGKILL, a Ctrl-C during a save):
// delete it by hand. A program that wants the IOError ("File too large") and no leftover calls
// `std::signal(SIGXFSZ, SIG_IGN)` first (tests/file_size_limit.hpp does); this file does not
// change the signal's disposition itself, which is the whole program's, not a library's.
// Nor does a later save delete such leftovers: it cannot tell whether the process named in one
// is gone (its pid may belong to another PID namespace, or another machine sharing the
// directory over NFS, where the file is a save in progress).
//
// A target that is not a regular file (/dev/stdout, a pipe, /dev/full) has no old contents to
// keep and cannot be renamed over: it is written directly, with the same checks.
//
// What this leaves out: Windows (which would use MoveFileEx), keeping the old file's owner.
#pragma once

#include <string>
#include <string_view>

namespace ag {

// Writes `text` to `path` as above; `who` (e.g. "save_parameters") starts every error message.
// Throws ag::IOError.
void write_file_atomically(const std::string& path, std::string_view text, std::string_view who);

}  // namespace ag
