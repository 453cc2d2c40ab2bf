#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

// File-system faults for end-to-end tests, made real and kept private: the
// test runs again in a private mount namespace (`unshare -m --propagation
// private`), where it mounts a small tmpfs (a disk that fills up) or a
// read-only bind mount (root ignores file modes, so chmod cannot make a
// file read-only for it). Nothing it mounts is seen outside, and the
// namespace, with its mounts, goes when the test's process ends.

namespace dots::test {

/// Where the calling test runs.
enum class mount_namespace {
  inside,      ///< in the private namespace: go on with the test
  ran_inside,  ///< outside: the test ran in a child (its result is reported)
  unavailable, ///< cannot make one here (not root, no unshare): skip
};

/// Runs the current test in a private mount namespace. Outside one, it
/// re-runs this test's binary with --gtest_filter naming the current test
/// under `unshare -m --propagation private`, waits for it (at most
/// `timeout_seconds`, then kills it), and adds a failure if it did not pass;
/// its output goes to this process's. Inside, it returns `inside` at once.
/// `why_not` receives the reason when `unavailable`.
mount_namespace enter_private_mount_namespace(std::string& why_not,
                                              int timeout_seconds = 120);

/// The usual start of such a test: skip when it cannot run, return when the
/// child ran it, go on when inside.
#define DOTS_IN_PRIVATE_MOUNT_NAMESPACE()                                      \
  do {                                                                         \
    std::string dots_why_not_;                                                 \
    const auto dots_where_ =                                                   \
        ::dots::test::enter_private_mount_namespace(dots_why_not_);            \
    if (dots_where_ == ::dots::test::mount_namespace::unavailable)             \
      GTEST_SKIP() << dots_why_not_;                                           \
    if (dots_where_ == ::dots::test::mount_namespace::ran_inside)              \
      return;                                                                  \
  } while (false)

/// A tmpfs of `bytes` mounted on `where` (an existing folder, mode 0777 so
/// that a server running as another user may write it); unmounted (lazily,
/// MNT_DETACH) when this goes. Throws std::runtime_error when mount fails.
class tmpfs_mount {
public:
  tmpfs_mount(std::filesystem::path where, std::uint64_t bytes);
  ~tmpfs_mount();
  tmpfs_mount(const tmpfs_mount&) = delete;
  tmpfs_mount& operator=(const tmpfs_mount&) = delete;

  const std::filesystem::path& path() const noexcept { return where_; }

private:
  std::filesystem::path where_;
};

/// `folder` bind-mounted onto itself, then remounted read-only: what is in it
/// stays readable and nothing can be written there, by root included.
/// Unmounted when this goes. Throws std::runtime_error when mount fails.
class read_only_bind {
public:
  explicit read_only_bind(std::filesystem::path folder);
  ~read_only_bind();
  read_only_bind(const read_only_bind&) = delete;
  read_only_bind& operator=(const read_only_bind&) = delete;

private:
  std::filesystem::path folder_;
};

/// Fills the file system holding `folder` with the file `folder/filler`
/// until a write fails with ENOSPC; returns the bytes written. Bounded by
/// the file system's size. Delete the file to make room again.
std::uint64_t fill_disk(const std::filesystem::path& folder);

} // namespace dots::test
