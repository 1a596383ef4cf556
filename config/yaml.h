#pragma once
// Helpers for reading alertd's YAML files (config, rule files, topology)
// with errors as "FILE:LINE: reason". A Diagnostics collects every error
// instead of stopping at the first, so `alertd check-config` can list them
// all: each section, rule or entry is read under guard(), and a problem in
// one does not hide the problems in the next.
//
// Exceptions are used inside the config readers only (start-up and reload,
// never the data path) and end at guard().

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/matcher.h"
#include "core/time.h"

namespace alertd::config {

/// A problem at a node; guard() turns it into "FILE:LINE: what".
struct ConfigError : std::runtime_error {
  ConfigError(const YAML::Node& node, const std::string& what);
  int line;
};

class Diagnostics {
 public:
  explicit Diagnostics(std::string origin) : origin_(std::move(origin)) {}

  /// Runs `read`; a ConfigError or YAML exception it throws is recorded
  /// against the current file. Returns false when it threw.
  template <typename F>
  bool guard(F&& read) {
    try {
      read();
      return true;
    } catch (const ConfigError& e) {
      error(e.line, e.what());
    } catch (const YAML::Exception& e) {
      error(e.mark.line + 1, e.msg);
    }
    return false;
  }

  void error(int line, std::string_view what);
  /// An error that belongs to no line (e.g. a file that cannot be opened).
  void error(std::string_view what);

  /// While the returned scope lives, errors are attributed to `file`.
  class FileScope {
   public:
    FileScope(Diagnostics& d, std::string file) : d_(d), saved_(std::move(d.origin_)) {
      d.origin_ = std::move(file);
    }
    ~FileScope() { d_.origin_ = std::move(saved_); }
    FileScope(const FileScope&) = delete;
    FileScope& operator=(const FileScope&) = delete;

   private:
    Diagnostics& d_;
    std::string saved_;
  };

  const std::string& origin() const { return origin_; }
  bool ok() const { return errors_.empty(); }
  const std::vector<std::string>& errors() const { return errors_; }
  /// Every error, one per line.
  std::string joined() const;

 private:
  std::string origin_;
  std::vector<std::string> errors_;
};

/// Loads a YAML file; on failure records the error and returns a null node.
YAML::Node load_yaml_file(const std::filesystem::path& path, Diagnostics& diag);
/// Relative paths in a config file are relative to that file's folder.
std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& path);

// Readers: each throws ConfigError naming `what` (e.g. "rules[2].threshold.count").
void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                std::string_view section);
std::string get_string(const YAML::Node& n, std::string_view what);
size_t get_size(const YAML::Node& n, std::string_view what, size_t min, size_t max);
bool get_bool(const YAML::Node& n, std::string_view what);
/// The longest duration a config may give: far beyond any real window, and
/// short enough that the current time plus two of them fits in a TimePoint.
inline constexpr core::Duration kMaxConfigDuration = std::chrono::hours(24 * 365 * 100);
/// A positive duration ("30s", "5m", "1h30m") up to kMaxConfigDuration (100y);
/// zero only when allow_zero.
core::Duration get_duration(const YAML::Node& n, std::string_view what, bool allow_zero = true);
std::vector<std::string> get_string_list(const YAML::Node& n, std::string_view what);
/// A mapping of strings to strings, in file order of keys sorted by name.
std::map<std::string, std::string> get_string_map(const YAML::Node& n, std::string_view what);
/// A list of matcher strings (or one string); a bad matcher is reported at its own line.
core::Matchers get_matchers(const YAML::Node& n, std::string_view what);

}  // namespace alertd::config
