#include "ingest/kafka/positions.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace alertd::ingest::kafka {

namespace {

constexpr std::string_view kHeader = "alertd-kafka-positions 1";

core::Error io_error(const std::filesystem::path& file, std::string_view what) {
  return core::Error{"kafka_positions",
                     file.string() + ": " + std::string(what) + ": " + std::strerror(errno)};
}

bool fsync_path(const std::filesystem::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

core::Result<Positions> Positions::load(std::filesystem::path file) {
  Positions p;
  p.file_ = std::move(file);
  if (p.file_.empty()) return p;
  std::ifstream in(p.file_);
  if (!in) {
    if (errno == ENOENT) return p;
    return io_error(p.file_, "cannot open");
  }
  std::string line;
  if (!std::getline(in, line) || line != kHeader) {
    return core::Error{"kafka_positions", p.file_.string() + ": not a positions file"};
  }
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string topic;
    int32_t partition = -1;
    int64_t next = -1;
    if (!std::getline(fields, topic, '\t') || !(fields >> partition >> next) || partition < 0 ||
        next < 0) {
      return core::Error{"kafka_positions", p.file_.string() + ": damaged line \"" + line + "\""};
    }
    p.next_[{topic, partition}] = next;
  }
  return p;
}

int64_t Positions::next(const std::string& topic, int32_t partition) const {
  auto it = next_.find({topic, partition});
  return it == next_.end() ? -1 : it->second;
}

void Positions::advance(const std::string& topic, int32_t partition, int64_t next_offset) {
  auto [it, added] = next_.try_emplace({topic, partition}, next_offset);
  if (!added && it->second >= next_offset) return;
  it->second = next_offset;
  dirty_ = true;
}

core::Status Positions::save(bool sync) {
  if (file_.empty() || !dirty_) return core::Status();
  std::string text(kHeader);
  text += '\n';
  for (const auto& [key, next] : next_) {
    text += key.first + '\t' + std::to_string(key.second) + '\t' + std::to_string(next) + '\n';
  }
  auto tmp = file_;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    if (!(out << text) || !out.flush()) return io_error(tmp, "cannot write");
  }
  if (sync && !fsync_path(tmp, O_RDONLY)) return io_error(tmp, "cannot fsync");
  std::error_code ec;
  std::filesystem::rename(tmp, file_, ec);
  if (ec) return core::Error{"kafka_positions", file_.string() + ": " + ec.message()};
  if (sync && !fsync_path(file_.parent_path().empty() ? "." : file_.parent_path(), O_RDONLY)) {
    return io_error(file_.parent_path(), "cannot fsync the directory");
  }
  dirty_ = false;
  return core::Status();
}

}  // namespace alertd::ingest::kafka
