#include "support/mount_namespace.hpp"

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdexcept>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace dots::test {

namespace {

/// Set in the child, so that it knows it is inside.
constexpr const char* inside_variable = "DOTS_TEST_PRIVATE_MOUNT_NS";

constexpr const char* unshare_binary = "/usr/bin/unshare";

/// Runs `argv` and waits up to `timeout`; its exit status, or -1 when it
/// could not run or was killed at the deadline. Output goes to ours.
int run_and_wait(std::vector<std::string> argv, std::chrono::seconds timeout,
                 bool quiet) {
  const pid_t pid = ::fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    // A test killed by its timeout must not leave the child behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (quiet) {
      const int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, STDOUT_FILENO);
      ::dup2(null, STDERR_FILENO);
    }
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  for (;;) {
    const auto r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid)
      break;
    if (r < 0 && errno != EINTR)
      return -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string self_path() {
  std::array<char, 4096> buf{};
  const auto n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0)
    return {};
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

} // namespace

mount_namespace enter_private_mount_namespace(std::string& why_not,
                                              int timeout_seconds) {
  if (const char* v = std::getenv(inside_variable); v && std::string{v} == "1")
    return mount_namespace::inside;
  if (::geteuid() != 0) {
    why_not = "mounting a tmpfs or a read-only bind mount needs root";
    return mount_namespace::unavailable;
  }
  if (::access(unshare_binary, X_OK) != 0) {
    why_not = std::string{unshare_binary} + " is missing (util-linux)";
    return mount_namespace::unavailable;
  }
  // Root without CAP_SYS_ADMIN (some containers) cannot make a namespace.
  if (run_and_wait({unshare_binary, "-m", "--propagation", "private", "true"},
                   std::chrono::seconds{10}, true) != 0) {
    why_not = "unshare -m fails here (no CAP_SYS_ADMIN?)";
    return mount_namespace::unavailable;
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string filter = std::string("--gtest_filter=") +
                             info->test_suite_name() + "." + info->name();
  const auto self = self_path();
  if (self.empty()) {
    ADD_FAILURE() << "cannot find this test's binary";
    return mount_namespace::ran_inside;
  }
  ::setenv(inside_variable, "1", 1);
  const int status = run_and_wait({unshare_binary, "-m", "--propagation",
                                   "private", self, filter, "--gtest_color=no"},
                                  std::chrono::seconds{timeout_seconds}, false);
  ::unsetenv(inside_variable);
  EXPECT_EQ(status, 0) << "the test failed (or timed out after "
                       << timeout_seconds
                       << " s) in its private mount namespace: see its "
                          "output above";
  return mount_namespace::ran_inside;
}

tmpfs_mount::tmpfs_mount(std::filesystem::path where, std::uint64_t bytes)
    : where_(std::move(where)) {
  const std::string data = "size=" + std::to_string(bytes) + ",mode=0777";
  if (::mount("tmpfs", where_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV,
              data.c_str()) != 0)
    throw std::runtime_error("mount tmpfs on " + where_.string() + ": " +
                             std::strerror(errno));
}

tmpfs_mount::~tmpfs_mount() {
  ::umount2(where_.c_str(), MNT_DETACH);
}

read_only_bind::read_only_bind(std::filesystem::path folder)
    : folder_(std::move(folder)) {
  if (::mount(folder_.c_str(), folder_.c_str(), nullptr, MS_BIND, nullptr) != 0)
    throw std::runtime_error("bind mount " + folder_.string() + ": " +
                             std::strerror(errno));
  // A bind mount takes its read-only flag only from a remount.
  if (::mount(nullptr, folder_.c_str(), nullptr,
              MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    const int e = errno;
    ::umount2(folder_.c_str(), MNT_DETACH);
    throw std::runtime_error("remount " + folder_.string() +
                             " read-only: " + std::strerror(e));
  }
}

read_only_bind::~read_only_bind() {
  ::umount2(folder_.c_str(), MNT_DETACH);
}

std::uint64_t fill_disk(const std::filesystem::path& folder) {
  const auto file = folder / "filler";
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    throw std::runtime_error("create " + file.string() + ": " +
                             std::strerror(errno));
  // Big blocks first, then single pages for what is left.
  std::vector<char> block(1 << 20, 'f');
  std::uint64_t written = 0;
  for (const std::size_t size : {block.size(), std::size_t{4096}}) {
    for (;;) {
      const auto n = ::write(fd, block.data(), size);
      if (n > 0) {
        written += static_cast<std::uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR)
        continue;
      break; // ENOSPC (or a short write at the very end)
    }
  }
  ::close(fd);
  return written;
}

} // namespace dots::test
