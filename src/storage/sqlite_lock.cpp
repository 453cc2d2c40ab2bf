#include "storage/sqlite_lock.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/file.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace dots::storage {

sqlite_lock::~sqlite_lock() {
  if (fd_ >= 0)
    ::close(fd_); // also releases the lock
}

sqlite_lock::sqlite_lock(sqlite_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)) {}

sqlite_lock& sqlite_lock::operator=(sqlite_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

domain::result<sqlite_lock>
sqlite_lock::acquire(const std::filesystem::path& file) {
  // The folder too, as open_sqlite_store makes it (./data on a first run).
  if (file.has_parent_path()) {
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
  }
  // Read-write and create first, as SQLite will; an existing file on a
  // read-only file system can still be opened for reading, and flock needs
  // no write access.
  int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 && (errno == EROFS || errno == EACCES))
    fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return domain::internal_error("cannot open the database " + file.string() +
                                  ": " + std::strerror(errno));
  sqlite_lock lock{fd};
  int rc = 0;
  do
    rc = ::flock(fd, LOCK_EX | LOCK_NB);
  while (rc != 0 && errno == EINTR);
  if (rc == 0)
    return lock;
  if (errno == EWOULDBLOCK)
    return domain::internal_error(
        "the database " + file.string() +
        " is in use by another dots-server: a SQLite file serves one "
        "server process. Stop the other one, give this one its own "
        "--db file, or run several instances on PostgreSQL "
        "(--db postgresql://...)");
  return domain::internal_error("cannot lock the database " + file.string() +
                                ": " + std::strerror(errno));
}

} // namespace dots::storage
