#include "sinks/archive/incident_archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/incident_json.h"
#include "core/json_writer.h"

namespace alertd::sinks {

namespace {

core::Error failed(const std::string& path, std::string_view what, int err) {
  return core::Error{"archive_failed", "incident archive '" + path + "': " + std::string(what) +
                                           ": " + std::strerror(err)};
}

/// Closes the descriptor on every path.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

core::Status write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return failed(path, "write", errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

void write_line(std::string& out, const sinks::IncidentDetail& d, core::TimePoint now) {
  core::JsonWriter w(out);
  w.begin_object();
  write_incident_fields(w, d.incident);
  w.key("members").begin_array();
  for (const auto& m : d.members) write_member(w, m);
  w.end_array().key("archived_at").time(now).end_object();
  out += '\n';
}

}  // namespace

core::Status archive_incidents(const std::string& dir,
                               std::span<const sinks::IncidentDetail> incidents,
                               core::TimePoint now) {
  if (incidents.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return core::Error{"archive_failed",
                       "incident archive '" + dir + "': cannot create it: " + ec.message()};
  }
  const std::string path = (std::filesystem::path(dir) /
                            ("incidents-" + core::format_rfc3339(now).substr(0, 10) + ".ndjson"))
                               .string();
  std::string lines;
  for (const auto& d : incidents) write_line(lines, d, now);
  const bool new_file = !std::filesystem::exists(path, ec);
  Fd file{::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)};
  if (file.fd < 0) return failed(path, "open", errno);
  if (auto st = write_all(file.fd, lines, path); !st.ok()) return st;
  if (::fsync(file.fd) != 0) return failed(path, "fsync", errno);
  // A new file's name is durable only once its directory is synced; the
  // other batches of the day append to a file whose name already is.
  if (!new_file) return {};
  Fd folder{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (folder.fd < 0 || ::fsync(folder.fd) != 0) return failed(dir, "fsync directory", errno);
  return {};
}

}  // namespace alertd::sinks
