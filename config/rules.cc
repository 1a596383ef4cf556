// `rules:` — inline rules and rule files (paths or globs). Every bad rule is
// reported with its file and line; the rules are then compiled once, so that
// what check-config accepts is what the daemon runs.

#include <glob.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "config/sections.h"
#include "rules/rule_set.h"

namespace alertd::config {

namespace {

namespace fs = std::filesystem;

std::string line_of(const YAML::Node& n) {
  return std::to_string(n.Mark().line + 1);
}

bool has_glob_magic(std::string_view pattern) {
  return pattern.find_first_of("*?[") != std::string_view::npos;
}

class RuleReader {
 public:
  RuleReader(Diagnostics& diag, std::vector<rules::RuleSpec>& out) : diag_(diag), out_(out) {}

  // Items of a `rules:` list; rule files may not include further files (no cycles).
  void read_list(const YAML::Node& list, const fs::path& base_dir, bool allow_files) {
    if (!list.IsSequence()) {
      diag_.guard([&] { throw ConfigError(list, "rules: expected a list of rules"); });
      return;
    }
    size_t i = 0;
    for (const auto& item : list) {
      std::string what = "rules[" + std::to_string(i++) + "]";
      if (item.IsMap()) {
        diag_.guard([&] { read_rule(item, what); });
      } else if (item.IsScalar() && allow_files) {
        include(item, base_dir, what);
      } else {
        diag_.guard([&] {
          throw ConfigError(item, what + (allow_files ? ": expected a rule or a rule file path"
                                                      : ": expected a rule (rule files cannot "
                                                        "include other files)"));
        });
      }
    }
  }

 private:
  void include(const YAML::Node& item, const fs::path& base_dir, const std::string& what) {
    std::string pattern;
    if (!diag_.guard([&] { pattern = get_string(item, what); })) return;
    std::string full = resolve_path(base_dir, pattern).string();
    glob_t found{};
    int rc = ::glob(full.c_str(), 0, nullptr, &found);
    std::vector<std::string> files(found.gl_pathv, found.gl_pathv + found.gl_pathc);
    globfree(&found);
    if (rc != 0 || files.empty()) {
      diag_.guard([&] {
        if (rc != 0 && rc != GLOB_NOMATCH) throw ConfigError(item, what + ": cannot read " + full);
        throw ConfigError(item, has_glob_magic(pattern)
                                    ? what + ": no rule file matches \"" + full + "\""
                                    : what + ": rule file \"" + full + "\" does not exist");
      });
      return;
    }
    for (const auto& file : files) read_file(file, item, what);  // glob() sorts them
  }

  void read_file(const fs::path& path, const YAML::Node& item, const std::string& what) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) {
      diag_.guard([&] { throw ConfigError(item, what + ": " + path.string() + " is not a file"); });
      return;
    }
    // A file named twice (a path and an overlapping glob) is read once.
    if (!read_files_.insert(fs::weakly_canonical(path, ec).string()).second) return;
    YAML::Node root = load_yaml_file(path, diag_);
    Diagnostics::FileScope scope(diag_, path.string());
    if (root.IsNull()) return;  // unreadable (reported) or empty: no rules
    if (!diag_.guard([&] { check_keys(root, {"rules"}, "a rule file"); })) return;
    const YAML::Node& list = root["rules"];
    if (!list) {
      diag_.guard([&] { throw ConfigError(root, "a rule file needs a top-level rules: list"); });
      return;
    }
    read_list(list, path.parent_path(), /*allow_files=*/false);
  }

  void read_rule(const YAML::Node& n, const std::string& where) {
    check_keys(n,
               {"name", "match", "threshold", "distinct", "absent_for", "drop", "set", "group_by",
                "description"},
               where);
    rules::RuleSpec r;
    r.origin = diag_.origin() + ":" + line_of(n);
    if (!n["name"]) throw ConfigError(n, where + ": a rule needs a name");
    r.name = get_string(n["name"], where + ".name");
    if (r.name.empty()) throw ConfigError(n["name"], where + ".name: must not be empty");
    const std::string what = "rule \"" + r.name + "\"";
    if (n["match"]) r.match = get_matchers(n["match"], what + ".match");
    read_conditions(n, what, r);
    if (n["drop"]) r.drop = get_bool(n["drop"], what + ".drop");
    if (r.drop && r.is_counting()) {
      throw ConfigError(n["drop"],
                        what + ": drop cannot be combined with threshold, distinct or absent_for");
    }
    if (n["set"]) {
      r.set = get_string_map(n["set"], what + ".set");
      if (r.set.count("") != 0) throw ConfigError(n["set"], what + ".set: empty label name");
    }
    if (n["group_by"]) {
      r.group_by = get_string_list(n["group_by"], what + ".group_by");
      for (const auto& name : r.group_by) {
        if (name.empty()) throw ConfigError(n["group_by"], what + ".group_by: empty label name");
      }
    }
    if (n["description"]) r.description = get_string(n["description"], what + ".description");
    auto [first, inserted] = first_origin_.try_emplace(r.name, r.origin);
    if (!inserted) {
      throw ConfigError(n["name"], "duplicate rule name \"" + r.name + "\" (first defined at " +
                                       first->second + ")");
    }
    out_.push_back(std::move(r));
  }

  static void read_conditions(const YAML::Node& n, const std::string& what, rules::RuleSpec& r) {
    std::vector<std::string> present;
    for (const char* key : {"threshold", "distinct", "absent_for"}) {
      if (n[key]) present.emplace_back(key);
    }
    if (present.size() > 1) {
      throw ConfigError(n[present[1]], what + ": " + present[0] + " and " + present[1] +
                                           " are mutually exclusive (one condition per rule)");
    }
    if (const auto& c = n["threshold"]) {
      check_keys(c, {"count", "within"}, what + ".threshold");
      r.threshold =
          rules::Threshold{read_count(c, what + ".threshold"), read_window(c, what + ".threshold")};
    }
    if (const auto& c = n["distinct"]) {
      check_keys(c, {"label", "count", "within"}, what + ".distinct");
      if (!c["label"]) throw ConfigError(c, what + ".distinct: needs a label");
      auto label = get_string(c["label"], what + ".distinct.label");
      if (label.empty()) throw ConfigError(c["label"], what + ".distinct.label: must not be empty");
      r.distinct = rules::Distinct{label, read_count(c, what + ".distinct"),
                                   read_window(c, what + ".distinct")};
    }
    if (const auto& c = n["absent_for"]) {
      r.absent_for = get_duration(c, what + ".absent_for", /*allow_zero=*/false);
    }
  }

  static uint32_t read_count(const YAML::Node& c, const std::string& what) {
    if (!c["count"]) throw ConfigError(c, what + ": needs a count");
    return static_cast<uint32_t>(get_size(c["count"], what + ".count", 1, rules::kMaxRuleCount));
  }

  static core::Duration read_window(const YAML::Node& c, const std::string& what) {
    if (!c["within"]) throw ConfigError(c, what + ": needs a window (within: 5m)");
    return get_duration(c["within"], what + ".within", /*allow_zero=*/false);
  }

  Diagnostics& diag_;
  std::vector<rules::RuleSpec>& out_;
  std::map<std::string, std::string> first_origin_;  // rule name -> "FILE:LINE"
  std::set<std::string> read_files_;
};

}  // namespace

void read_rules(const YAML::Node& node, const std::filesystem::path& base_dir, Diagnostics& diag,
                std::vector<rules::RuleSpec>& out) {
  size_t errors_before = diag.errors().size();
  if (node.IsNull()) return;  // `rules:` with nothing under it
  RuleReader(diag, out).read_list(node, base_dir, /*allow_files=*/true);
  if (diag.errors().size() != errors_before) return;
  // The reader checks what compile() checks, with lines; this is the backstop
  // that keeps check-config and the daemon in agreement.
  auto compiled = rules::RuleSet::compile(out);
  if (!compiled.ok()) diag.error(compiled.error().message);
}

}  // namespace alertd::config
