// file_size_limit.hpp — a full disk, for tests: while a FileSizeLimit lives, this process may not
// grow a file past a size (setrlimit RLIMIT_FSIZE). CI runs as root, so a read-only directory
// would prove nothing; a size limit fails a write() with EFBIG whoever runs the test.
#pragma once

#include <catch2/catch.hpp>
#include <signal.h>
#include <sys/resource.h>

// While alive, this process may not grow any file beyond `bytes`: a write past that fails with
// EFBIG, as on a full disk (SIGXFSZ, which would otherwise kill the process, is ignored).
// Restores both when the test ends, passed or not.
struct FileSizeLimit {
  rlimit old_limit{};
  struct sigaction old_action {};
  explicit FileSizeLimit(rlim_t bytes) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGXFSZ, &ignore, &old_action) == 0);
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    rlimit limit = old_limit;
    limit.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    ::sigaction(SIGXFSZ, &old_action, nullptr);
  }
};
