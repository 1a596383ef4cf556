// `auth:` — who may call the API. Tokens are secrets: they come from the
// environment (`${VAR}`) rather than the file or the command line, and no
// error here ever quotes one (errors name the entry and the variable).

#include <cstdlib>
#include <map>
#include <string>

#include "config/sections.h"

namespace alertd::config {

namespace {

// A bearer token is guessable below this; `openssl rand -hex 32` gives 64.
constexpr size_t kMinTokenBytes = 16;
constexpr size_t kMaxTokenBytes = 4096;
constexpr size_t kMaxTenantBytes = 128;  // as the silences API
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxEntries = 10000;

bool is_env_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

/// The string at `n` with every `${NAME}` replaced by that environment
/// variable (declared in sections.h: `audit.key` uses it too). An unset or empty variable is an
/// error: a token that silently expanded to "" would lock everyone out, or worse, match an empty
/// header.
std::string expand_env(const YAML::Node& n, const std::string& what) {
  const std::string text = get_string(n, what);
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t start = text.find("${", pos);
    if (start == std::string::npos) break;
    out.append(text, pos, start - pos);
    const size_t end = text.find('}', start + 2);
    // The text may be a literal secret: say what is wrong, never quote it.
    if (end == std::string::npos) throw ConfigError(n, what + ": \"${\" without a closing \"}\"");
    const std::string name = text.substr(start + 2, end - start - 2);
    if (!is_env_name(name)) {
      throw ConfigError(n, what +
                               ": \"${...}\" must hold an environment variable name "
                               "(letters, digits and _)");
    }
    const char* value = std::getenv(name.c_str());
    if (value == nullptr)
      throw ConfigError(n, what + ": environment variable " + name + " is not set");
    if (*value == '\0') throw ConfigError(n, what + ": environment variable " + name + " is empty");
    out += value;
    pos = end + 1;
  }
  out.append(text, pos);
  return out;
}

std::string read_secret(const YAML::Node& n, const std::string& what) {
  std::string token = expand_env(n, what);
  if (token.size() < kMinTokenBytes) {
    throw ConfigError(n, what + ": shorter than " + std::to_string(kMinTokenBytes) +
                             " characters, a weak secret (e.g. `openssl rand -hex 32` makes one)");
  }
  if (token.size() > kMaxTokenBytes) {
    throw ConfigError(n, what + ": longer than " + std::to_string(kMaxTokenBytes) + " characters");
  }
  for (char c : token) {
    // It travels in an HTTP header: anything else could never be sent.
    if (c < 0x21 || c > 0x7e) {
      throw ConfigError(n, what + ": must be printable ASCII without spaces");
    }
  }
  return token;
}

namespace {

std::string endpoint_names() {
  std::string names;
  for (auto s : kIngestEndpointSources) names += (names.empty() ? "" : ", ") + std::string(s);
  return names + " (docs/sources.md)";
}

// Tokens already read, with the entry that holds each, to refuse a repeat.
using SeenTokens = std::map<std::string, std::string>;

std::string read_token(const YAML::Node& n, const std::string& what, const std::string& entry,
                       SeenTokens& seen) {
  std::string token = read_secret(n, what);
  auto [it, inserted] = seen.emplace(token, entry);
  if (!inserted) throw ConfigError(n, what + ": the same token as " + it->second);
  return token;
}

std::string read_text(const YAML::Node& n, const std::string& what, size_t max) {
  std::string text = expand_env(n, what);
  if (text.empty()) throw ConfigError(n, what + ": must not be empty");
  if (text.size() > max) {
    throw ConfigError(n, what + ": longer than " + std::to_string(max) + " characters");
  }
  return text;
}

void require(const YAML::Node& n, const char* key, const std::string& where, const char* hint) {
  if (!n[key]) throw ConfigError(n, where + ": needs " + key + hint);
}

ApiToken read_api_token(const YAML::Node& n, size_t index, SeenTokens& seen) {
  const std::string where = "auth.tokens[" + std::to_string(index) + "]";
  check_keys(n, {"token", "role", "tenant", "name"}, where);
  require(n, "token", where, "");
  require(n, "role", where, " (sender, viewer, responder, incident_manager or admin)");
  ApiToken t;
  const std::string role = expand_env(n["role"], where + ".role");
  auto parsed = core::parse_role(role);
  if (!parsed) {
    // Quotes the file's text, not the expansion: a misplaced ${VAR} may hold a secret.
    throw ConfigError(n["role"],
                      where + ".role: \"" + n["role"].as<std::string>() +
                          "\" is not one of sender, viewer, responder, incident_manager, admin");
  }
  t.role = *parsed;
  if (n["tenant"]) t.tenant = read_text(n["tenant"], where + ".tenant", kMaxTenantBytes);
  t.name = n["name"] ? read_text(n["name"], where + ".name", kMaxNameBytes)
                     : "token-" + std::to_string(index);
  t.token = read_token(n["token"], where + ".token", where + " (" + t.name + ")", seen);
  return t;
}

IngestToken read_ingest_token(const YAML::Node& n, size_t index, SeenTokens& seen) {
  const std::string where = "auth.ingest[" + std::to_string(index) + "]";
  check_keys(n, {"token", "source", "tenant", "name"}, where);
  require(n, "token", where, "");
  require(n, "source", where,
          " (one of alertmanager, generic, grafana, splunk_hec, splunk, cloudtrail, sns, "
          "pagerduty, tcp)");
  IngestToken t;
  t.source = expand_env(n["source"], where + ".source");
  bool known = false;
  for (auto s : kIngestEndpointSources) known = known || s == t.source;
  if (!known) {
    throw ConfigError(n["source"], where + ".source: \"" + n["source"].as<std::string>() +
                                       "\" is not an ingest endpoint: " + endpoint_names());
  }
  if (n["tenant"]) t.tenant = read_text(n["tenant"], where + ".tenant", kMaxTenantBytes);
  t.name = n["name"] ? read_text(n["name"], where + ".name", kMaxNameBytes)
                     : "ingest-" + std::to_string(index);
  t.token = read_token(n["token"], where + ".token", where + " (" + t.name + ")", seen);
  return t;
}

// auth.open_ingest: the ingest endpoints that take alerts without a token.
// Opening one is a decision, so it is named here and warned about at start.
std::vector<std::string> read_open_ingest(const YAML::Node& n) {
  auto sources = get_string_list(n, "auth.open_ingest");
  for (const auto& s : sources) {
    bool known = false;
    for (auto e : kIngestEndpointSources) known = known || e == s;
    if (!known) {
      throw ConfigError(
          n, "auth.open_ingest: \"" + s + "\" is not an ingest endpoint: " + endpoint_names());
    }
  }
  return sources;
}

// Reads each entry of a list under its own guard, so one bad entry does not
// hide the errors of the next.
template <typename Read>
void read_list(const YAML::Node& list, const char* what, Diagnostics& diag, Read&& read) {
  if (!list.IsSequence()) {
    diag.guard(
        [&] { throw ConfigError(list, std::string(what) + ": expected a list of entries"); });
    return;
  }
  if (list.size() > kMaxEntries) {
    diag.guard([&] {
      throw ConfigError(
          list, std::string(what) + ": more than " + std::to_string(kMaxEntries) + " entries");
    });
    return;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    diag.guard([&] { read(list[i], i); });
  }
}

}  // namespace

void read_auth(const YAML::Node& node, Diagnostics& diag, AuthConfig& out) {
  out.enabled = true;
  if (!diag.guard([&] { check_keys(node, {"tokens", "ingest", "open_ingest"}, "auth"); })) return;
  const YAML::Node& tokens = node["tokens"];
  if (!tokens || (tokens.IsSequence() && tokens.size() == 0)) {
    // An auth section nobody can use is a mistake, not a way to lock the API.
    diag.guard([&] {
      throw ConfigError(tokens ? tokens : node,
                        "auth: needs at least one entry under tokens (leave the auth section "
                        "out to run the API open)");
    });
  }
  SeenTokens seen;
  if (tokens) {
    read_list(tokens, "auth.tokens", diag, [&](const YAML::Node& n, size_t i) {
      out.tokens.push_back(read_api_token(n, i, seen));
    });
  }
  if (const YAML::Node& open = node["open_ingest"]; open && !open.IsNull()) {
    diag.guard([&] { out.open_ingest = read_open_ingest(open); });
  }
  if (const YAML::Node& ingest = node["ingest"]; ingest && !ingest.IsNull()) {
    read_list(ingest, "auth.ingest", diag, [&](const YAML::Node& n, size_t i) {
      out.ingest.push_back(read_ingest_token(n, i, seen));
    });
  }
}

}  // namespace alertd::config
