#include "config/yaml.h"

#include <fstream>
#include <sstream>

namespace alertd::config {

ConfigError::ConfigError(const YAML::Node& node, const std::string& what)
    : std::runtime_error(what), line(node.Mark().line + 1) {}

void Diagnostics::error(int line, std::string_view what) {
  errors_.push_back(origin_ + ":" + std::to_string(line) + ": " + std::string(what));
}

void Diagnostics::error(std::string_view what) {
  errors_.push_back(origin_ + ": " + std::string(what));
}

std::string Diagnostics::joined() const {
  std::string out;
  for (const auto& e : errors_) {
    if (!out.empty()) out += '\n';
    out += e;
  }
  return out;
}

YAML::Node load_yaml_file(const std::filesystem::path& path, Diagnostics& diag) {
  Diagnostics::FileScope scope(diag, path.string());
  std::ifstream in(path);
  if (!in) {
    diag.error("cannot open file");
    return YAML::Node();
  }
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node node;
  diag.guard([&] { node = YAML::Load(text.str()); });
  return node;
}

std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& path) {
  std::filesystem::path p(path);
  return p.is_absolute() || base_dir.empty() ? p : base_dir / p;
}

void check_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                std::string_view section) {
  if (!map.IsMap()) throw ConfigError(map, std::string(section) + ": expected a mapping");
  for (const auto& kv : map) {
    auto key = kv.first.as<std::string>();
    bool known = false;
    for (auto a : allowed) known = known || a == key;
    if (!known) {
      std::string list;
      for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      throw ConfigError(kv.first, "unknown key \"" + key + "\" in " + std::string(section) +
                                      " (known: " + list + ")");
    }
  }
}

std::string get_string(const YAML::Node& n, std::string_view what) {
  if (!n.IsScalar()) throw ConfigError(n, std::string(what) + ": expected a string");
  return n.as<std::string>();
}

size_t get_size(const YAML::Node& n, std::string_view what, size_t min, size_t max) {
  if (!n.IsScalar()) throw ConfigError(n, std::string(what) + ": expected a number");
  long long v = 0;
  try {
    v = n.as<long long>();
  } catch (const YAML::Exception&) {
    throw ConfigError(
        n, std::string(what) + ": \"" + n.as<std::string>() + "\" is not a whole number");
  }
  if (v < static_cast<long long>(min) || static_cast<unsigned long long>(v) > max) {
    throw ConfigError(n, std::string(what) + ": " + std::to_string(v) + " is out of range [" +
                             std::to_string(min) + ", " + std::to_string(max) + "]");
  }
  return static_cast<size_t>(v);
}

bool get_bool(const YAML::Node& n, std::string_view what) {
  if (!n.IsScalar()) throw ConfigError(n, std::string(what) + ": expected true or false");
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    throw ConfigError(n,
                      std::string(what) + ": \"" + n.as<std::string>() + "\" is not true or false");
  }
}

core::Duration get_duration(const YAML::Node& n, std::string_view what, bool allow_zero) {
  auto text = get_string(n, what);
  auto d = core::parse_duration(text);
  if (!d) {
    throw ConfigError(n, std::string(what) + ": \"" + text +
                             "\" is not a duration (e.g. 30s, 5m, 1h30m; no negatives)");
  }
  if (!allow_zero && d->count() == 0) {
    throw ConfigError(n, std::string(what) + ": must be longer than 0");
  }
  // Durations are added to the current time (a lease of resolve_timeout,
  // windows, SLA targets); up to 292y parses, and now + that overflows
  // int64 nanoseconds (found by tests/fuzz/fuzz_config).
  if (*d > kMaxConfigDuration) {
    throw ConfigError(n, std::string(what) + ": \"" + text + "\" is longer than 100y");
  }
  return *d;
}

std::vector<std::string> get_string_list(const YAML::Node& n, std::string_view what) {
  if (!n.IsSequence()) throw ConfigError(n, std::string(what) + ": expected a list of strings");
  std::vector<std::string> out;
  for (const auto& item : n) out.push_back(get_string(item, what));
  return out;
}

std::map<std::string, std::string> get_string_map(const YAML::Node& n, std::string_view what) {
  if (!n.IsMap()) throw ConfigError(n, std::string(what) + ": expected a mapping of strings");
  std::map<std::string, std::string> out;
  for (const auto& kv : n) {
    auto key = get_string(kv.first, what);
    out[key] = get_string(kv.second, std::string(what) + "." + key);
  }
  return out;
}

core::Matchers get_matchers(const YAML::Node& n, std::string_view what) {
  std::vector<YAML::Node> items;
  if (n.IsScalar()) {
    items.push_back(n);
  } else if (n.IsSequence()) {
    for (const auto& item : n) items.push_back(item);
  } else {
    throw ConfigError(n, std::string(what) + ": expected a list of matchers like 'name=\"value\"'");
  }
  core::Matchers out;
  for (const auto& item : items) {
    auto m = core::Matcher::parse(get_string(item, what));
    if (!m) throw ConfigError(item, std::string(what) + ": " + m.error().message);
    out.push_back(std::move(*m));
  }
  return out;
}

}  // namespace alertd::config
