// atomic_file.cpp — the temporary-file-and-rename save (see atomic_file.hpp), in POSIX calls.
#include <io/atomic_file.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <autograd/error.hpp>
#include <cerrno>
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

// The file a symbolic link points to (so that the save replaces it, not the link); any other
// path, or a link to nothing, as it is.
std::string follow_link(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
  char* real = ::realpath(path.c_str(), nullptr);
  if (real == nullptr) return path;
  std::string target = real;
  std::free(real);
  return target;
}

// Creates `<target>.tmp-<pid>-<n>`, a name no other save (in this process or another) is using;
// O_EXCL makes the creation fail rather than open someone else's file.
int create_temporary(const std::string& target, std::string& temp_path) {
  static std::atomic<unsigned> counter{0};
  for (;;) {
    temp_path = fmt::format("{}.tmp-{}-{}", target, static_cast<long>(::getpid()), counter++);
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
  const std::string target = follow_link(path);
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
