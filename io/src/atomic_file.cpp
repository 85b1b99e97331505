// atomic_file.cpp — the temporary-file-and-rename save (see atomic_file.hpp), in POSIX calls.
#include <io/atomic_file.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <autograd/error.hpp>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace ag {

namespace {

// write() may write less than it was asked to (a signal, a pipe, a disk filling up); call it
// again for the rest. Returns 0, or the errno of the first failure.
int write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t written = ::write(fd, text.data(), text.size());
    if (written < 0) {
      if (errno == EINTR) continue;  // interrupted before writing anything: try again
      return errno;
    }
    text.remove_prefix(static_cast<size_t>(written));
  }
  return 0;
}

// The file a save through `path` replaces. For a symbolic link, the file it points to, so that
// the link stays a link; for a link to nothing, the file at the end of its chain of links, which
// the save creates (as std::ofstream would). Any other path, and a link to a device or a pipe
// (/dev/stdout, which realpath cannot name), as it is. A loop of links is refused, as by open().
std::string follow_link(const std::string& path, std::string_view who) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  if (::stat(path.c_str(), &st) == 0) {  // a link to something
    char* real = ::realpath(path.c_str(), nullptr);
    if (real == nullptr) return path;  // (a pipe behind /proc/self/fd/1: written through the link)
    std::string target = real;
    std::free(real);
    return target;
  }
  if (errno == ELOOP) {
    throw IOError(fmt::format("{}: cannot write '{}': {}", who, path, std::strerror(errno)));
  }
  std::filesystem::path file = path;
  for (int links = 0; links < 40; ++links) {  // (Linux's own limit on a chain of links)
    std::error_code error;
    const std::filesystem::path to = std::filesystem::read_symlink(file, error);
    if (error) break;                // the end of the chain, where nothing is yet
    file = file.parent_path() / to;  // relative to the link's directory; absolute: as is
  }
  return file.string();
}

// Creates `<target>.tmp-<pid>-<n>`, a name no other save (in this process or another) is using;
// O_EXCL makes the creation fail rather than open someone else's file. A directory entry's name
// has a limit (255 bytes on ext4, XFS, tmpfs...): where the suffix would take the name past it,
// the target's name is cut short before the suffix (the pid and the counter keep it unique), so
// that every file that can be written can be saved.
int create_temporary(const std::string& target, std::string& temp_path) {
  static std::atomic<unsigned> counter{0};
  const std::string name = std::filesystem::path(target).filename().string();
  const std::string dir = target.substr(0, target.size() - name.size());  // "" or ending in '/'
  const long name_max = ::pathconf(dir.empty() ? "." : dir.c_str(), _PC_NAME_MAX);
  const size_t longest = name_max > 0 ? static_cast<size_t>(name_max) : NAME_MAX;
  for (;;) {
    const std::string suffix = fmt::format(".tmp-{}-{}", static_cast<long>(::getpid()), counter++);
    size_t keep = name.size();
    if (keep + suffix.size() > longest) {
      keep = longest > suffix.size() ? longest - suffix.size() : 0;
      // (Not inside a UTF-8 character: back to the byte that starts it.)
      while (keep > 0 && (static_cast<unsigned char>(name[keep]) & 0xC0) == 0x80) --keep;
    }
    temp_path = fmt::format("{}{}{}", dir, std::string_view(name).substr(0, keep), suffix);
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
}

// A device or a pipe: write straight into it (there is nothing to rename over).
void write_in_place(const std::string& path, std::string_view text, std::string_view who) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    throw IOError(
        fmt::format("{}: cannot open '{}' for writing: {}", who, path, std::strerror(errno)));
  }
  int err = write_all(fd, text);
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err != 0) {
    throw IOError(fmt::format("{}: writing '{}' failed: {}", who, path, std::strerror(err)));
  }
}

// Step 5: make the new directory entry durable. Some file systems cannot fsync a directory
// (EINVAL); there is nothing more to do on those.
void sync_directory(const std::string& target, const std::string& path, std::string_view who) {
  const std::filesystem::path parent = std::filesystem::path(target).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int err = fd < 0 ? errno : 0;
  if (fd >= 0) {
    if (::fsync(fd) != 0) err = errno;
    ::close(fd);
  }
  if (err != 0 && err != EINVAL) {
    throw IOError(fmt::format("{}: '{}' was written, but syncing its directory '{}' failed: {}",
                              who, path, dir, std::strerror(err)));
  }
}

}  // namespace

void write_file_atomically(const std::string& path, std::string_view text, std::string_view who) {
  const std::string target = follow_link(path, who);
  struct stat old {};
  const bool exists = ::stat(target.c_str(), &old) == 0;
  if (exists && !S_ISREG(old.st_mode)) return write_in_place(path, text, who);
  // A rename needs only the directory to be writable; a file its owner made read-only to keep
  // it is refused, as a plain write would be.
  if (exists && ::access(target.c_str(), W_OK) != 0) {
    throw IOError(fmt::format("{}: cannot write '{}': {}", who, path, std::strerror(errno)));
  }

  std::string temp;
  const int fd = create_temporary(target, temp);
  if (fd < 0) {
    throw IOError(fmt::format("{}: cannot create a temporary file beside '{}': {}", who, path,
                              std::strerror(errno)));
  }
  // Steps 1-4. The first that fails is named in `step`, with its errno in `err`; the rest are
  // skipped, except close, which always runs.
  std::string_view step;
  int err = 0;
  auto failed = [&](std::string_view what, int error) {
    step = what;
    err = error;
  };
  if (exists && ::fchmod(fd, old.st_mode & 07777) != 0) {
    failed("setting the mode of the new", errno);
  } else if (const int error = write_all(fd, text); error != 0) {
    failed("writing", error);
  } else if (::fsync(fd) != 0) {
    failed("syncing", errno);
  }
  if (::close(fd) != 0 && step.empty()) failed("closing", errno);
  if (step.empty() && ::rename(temp.c_str(), target.c_str()) != 0) failed("renaming", errno);
  if (!step.empty()) {
    ::unlink(temp.c_str());
    throw IOError(fmt::format("{}: {} '{}' failed: {}; the old file, if any, is unchanged", who,
                              step, path, std::strerror(err)));
  }
  sync_directory(target, path, who);
}

}  // namespace ag
