#include "storage/database.hpp"
#include "storage/sqlite_lock.hpp"
#include "support/temp_dir.hpp"

#include <csignal>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

// The lock that keeps a SQLite file to one server (api.md, "Operations"),
// on real files: what a second taker is told, and that the lock goes with
// its holder, whether it lets go or its process dies.

namespace dots::storage {
namespace {

TEST(SqliteLock, ASecondTakerIsRefusedWithAMessageThatSaysWhatToDo) {
  test::temp_dir dir;
  const auto file = dir.path() / "dots.db";
  auto first = sqlite_lock::acquire(file);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_TRUE(first.value().held());
  // flock locks belong to an open file: a second open in this process is
  // refused like another process would be.
  auto second = sqlite_lock::acquire(file);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().kind, domain::error_kind::internal);
  const auto& message = second.error().message;
  EXPECT_NE(message.find(file.string()), std::string::npos) << message;
  EXPECT_NE(message.find("in use by another dots-server"), std::string::npos)
      << message;
  EXPECT_NE(message.find("PostgreSQL"), std::string::npos) << message;
}

TEST(SqliteLock, ReleasedWhenItsHolderGoes) {
  test::temp_dir dir;
  const auto file = dir.path() / "dots.db";
  {
    auto held = sqlite_lock::acquire(file);
    ASSERT_TRUE(held.has_value()) << held.error().message;
    // Moving keeps the one lock: the moved-from object holds nothing.
    sqlite_lock moved = std::move(held).value();
    EXPECT_TRUE(moved.held());
    EXPECT_FALSE(sqlite_lock::acquire(file).has_value());
  }
  auto again = sqlite_lock::acquire(file);
  EXPECT_TRUE(again.has_value()) << again.error().message;
}

TEST(SqliteLock, ReleasedWhenItsProcessDies) {
  test::temp_dir dir;
  const auto file = dir.path() / "dots.db";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto held = sqlite_lock::acquire(file);
    const char ok = held.has_value() ? '1' : '0';
    (void)::write(ready[1], &ok, 1);
    ::pause(); // until killed, holding the lock
    ::_exit(0);
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  EXPECT_EQ(ok, '1');
  EXPECT_FALSE(sqlite_lock::acquire(file).has_value())
      << "the other process's lock was not seen";
  ::kill(child, SIGKILL);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  auto after = sqlite_lock::acquire(file);
  EXPECT_TRUE(after.has_value()) << after.error().message;
}

TEST(SqliteLock, MakesTheFolderAndTheFileLikeAFirstStart) {
  test::temp_dir dir;
  const auto file = dir.path() / "data" / "dots.db";
  auto held = sqlite_lock::acquire(file);
  ASSERT_TRUE(held.has_value()) << held.error().message;
  EXPECT_TRUE(std::filesystem::exists(file));
  // An empty file is a new database to SQLite: the store opens on it.
  auto store = open_store({backend::sqlite, file.string()}, {});
  EXPECT_TRUE(store.has_value()) << store.error().message;
}

} // namespace
} // namespace dots::storage
