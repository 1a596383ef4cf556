#include "daemon/checkpoint_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/byte_codec.h"
#include "ingest/journal/crc32c.h"

namespace alertd::daemon {

namespace {
constexpr std::string_view kMagic = "ALERTDC1";
constexpr uint32_t kVersion = 1;
constexpr std::string_view kFileName = "checkpoint";

core::Error io_error(const std::filesystem::path& path, std::string_view what) {
  return core::Error{"checkpoint_io",
                     path.string() + ": " + std::string(what) + ": " + std::strerror(errno)};
}

// Writes all of `bytes` to a new file and makes it durable.
core::Status write_durably(const std::filesystem::path& path, std::string_view bytes) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return io_error(path, "cannot create");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = io_error(path, "cannot write");
      ::close(fd);
      return e;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = io_error(path, "cannot fsync");
    ::close(fd);
    return e;
  }
  ::close(fd);
  return {};
}

core::Status fsync_dir(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error(dir, "cannot open the directory");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return io_error(dir, "cannot fsync the directory");
  return {};
}
}  // namespace

core::Status write_checkpoint(const std::filesystem::path& dir, const Checkpoint& c) {
  std::string bytes;
  core::ByteWriter w(bytes);
  bytes.append(kMagic);
  w.u32(kVersion);
  w.u64(c.lsn);
  w.time(c.written_at);
  w.varint(c.shards.size());
  for (const auto& shard : c.shards) w.str(shard);
  w.u32(ingest::journal::crc32c(bytes));
  const auto tmp = dir / (std::string(kFileName) + ".tmp");
  if (auto s = write_durably(tmp, bytes); !s.ok()) return s;
  std::error_code ec;
  std::filesystem::rename(tmp, dir / kFileName, ec);
  if (ec) {
    return core::Error{"checkpoint_io", tmp.string() + ": cannot rename: " + ec.message()};
  }
  return fsync_dir(dir);
}

core::Result<std::optional<Checkpoint>> read_checkpoint(const std::filesystem::path& dir) {
  const auto path = dir / kFileName;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (!std::filesystem::exists(path)) return std::optional<Checkpoint>{};
    return io_error(path, "cannot open");
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string bytes = text.str();
  auto damaged = [&](std::string_view why) {
    return core::Error{"checkpoint_invalid", path.string() + ": " + std::string(why)};
  };
  if (bytes.size() < kMagic.size() + 4 || !bytes.starts_with(kMagic)) {
    return damaged("not an alertd checkpoint");
  }
  std::string_view body(bytes.data(), bytes.size() - 4);
  core::ByteReader tail(std::string_view(bytes).substr(body.size()));
  if (tail.u32() != ingest::journal::crc32c(body)) return damaged("CRC mismatch");
  core::ByteReader r(body.substr(kMagic.size()));
  if (r.u32() != kVersion) return damaged("written by another version of alertd");
  Checkpoint c;
  c.lsn = r.u64();
  c.written_at = r.time();
  uint64_t n = r.count(1);
  for (uint64_t i = 0; i < n && r.ok(); ++i) c.shards.emplace_back(r.str());
  if (!r.ok() || !r.at_end()) return damaged("truncated or malformed");
  return std::optional<Checkpoint>(std::move(c));
}

}  // namespace alertd::daemon
