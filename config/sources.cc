// `sources:` and `http.tls`: what each sender-facing source needs beyond the
// generic limits (docs/sources.md has every key with an example).

#include <yaml-cpp/yaml.h>

#include <set>

#include "config/sections.h"

namespace alertd::config {

constexpr size_t kMaxTextBytes = 128;  // names, tenants, index and sourcetype defaults

std::string read_short(const YAML::Node& n, const std::string& what) {
  std::string text = expand_env(n, what);
  if (text.size() > kMaxTextBytes) {
    throw ConfigError(n, what + ": longer than " + std::to_string(kMaxTextBytes) + " characters");
  }
  return text;
}

namespace {

HecToken read_hec_token(const YAML::Node& n, size_t index, std::set<std::string>& seen) {
  const std::string where = "sources.splunk_hec.tokens[" + std::to_string(index) + "]";
  check_keys(n,
             {"token", "name", "tenant", "host", "source", "sourcetype", "index", "indexes", "ack",
              "query_token", "label_fields", "annotation_fields"},
             where);
  if (!n["token"]) throw ConfigError(n, where + ": needs token");
  HecToken t;
  t.token = read_secret(n["token"], where + ".token");
  if (!seen.insert(t.token).second) {
    throw ConfigError(n["token"], where + ".token: the same token as an earlier entry");
  }
  t.name = n["name"] ? read_short(n["name"], where + ".name") : "hec-" + std::to_string(index);
  if (n["tenant"]) t.tenant = read_short(n["tenant"], where + ".tenant");
  if (t.name.empty() || t.tenant.empty()) throw ConfigError(n, where + ": empty name or tenant");
  if (n["host"]) t.host = read_short(n["host"], where + ".host");
  if (n["source"]) t.source = read_short(n["source"], where + ".source");
  if (n["sourcetype"]) t.sourcetype = read_short(n["sourcetype"], where + ".sourcetype");
  if (n["index"]) t.index = read_short(n["index"], where + ".index");
  if (n["indexes"]) t.indexes = get_string_list(n["indexes"], where + ".indexes");
  if (!t.index.empty() && !t.indexes.empty() &&
      std::find(t.indexes.begin(), t.indexes.end(), t.index) == t.indexes.end()) {
    throw ConfigError(n["index"], where + ".index: \"" + t.index + "\" is not in its indexes");
  }
  if (n["ack"]) t.ack = get_bool(n["ack"], where + ".ack");
  if (n["query_token"]) t.query_token = get_bool(n["query_token"], where + ".query_token");
  if (n["label_fields"])
    t.label_fields = get_string_list(n["label_fields"], where + ".label_fields");
  if (n["annotation_fields"]) {
    t.annotation_fields = get_string_list(n["annotation_fields"], where + ".annotation_fields");
  }
  return t;
}

void read_splunk_hec(const YAML::Node& n, Diagnostics& diag, SplunkHecConfig& out) {
  diag.guard([&] {
    check_keys(
        n,
        {"tokens", "max_events_per_request", "max_ack_channels", "max_acks_per_channel", "ack_ttl"},
        "sources.splunk_hec");
    if (n["max_events_per_request"]) {
      out.max_events_per_request = get_size(
          n["max_events_per_request"], "sources.splunk_hec.max_events_per_request", 1, 1000000);
    }
    if (n["max_ack_channels"]) {
      out.max_ack_channels =
          get_size(n["max_ack_channels"], "sources.splunk_hec.max_ack_channels", 1, 1000000);
    }
    if (n["max_acks_per_channel"]) {
      out.max_acks_per_channel = get_size(n["max_acks_per_channel"],
                                          "sources.splunk_hec.max_acks_per_channel", 1, 1000000);
    }
    if (n["ack_ttl"]) out.ack_ttl = get_duration(n["ack_ttl"], "sources.splunk_hec.ack_ttl", false);
    if (const auto& tokens = n["tokens"]) {
      if (!tokens.IsSequence()) throw ConfigError(tokens, "sources.splunk_hec.tokens: a list");
      std::set<std::string> seen;
      for (size_t i = 0; i < tokens.size(); ++i) {
        diag.guard([&] { out.tokens.push_back(read_hec_token(tokens[i], i, seen)); });
      }
    }
  });
}

void read_sns(const YAML::Node& n, Diagnostics& diag, SnsConfig& out) {
  diag.guard([&] {
    check_keys(n,
               {"verify", "signing_certs", "cert_hosts", "subscribe_hosts", "ca_file",
                "insufficient_data"},
               "sources.sns");
    if (n["verify"]) out.verify = get_bool(n["verify"], "sources.sns.verify");
    if (n["signing_certs"])
      out.signing_certs = get_string(n["signing_certs"], "sources.sns.signing_certs");
    if (n["cert_hosts"])
      out.cert_hosts = get_string_list(n["cert_hosts"], "sources.sns.cert_hosts");
    if (n["subscribe_hosts"]) {
      out.subscribe_hosts = get_string_list(n["subscribe_hosts"], "sources.sns.subscribe_hosts");
    }
    if (n["ca_file"]) out.ca_file = get_string(n["ca_file"], "sources.sns.ca_file");
    if (n["insufficient_data"]) {
      const auto mode = get_string(n["insufficient_data"], "sources.sns.insufficient_data");
      using Mode = SnsConfig::InsufficientData;
      if (mode == "firing") {
        out.insufficient_data = Mode::firing;
      } else if (mode == "resolved") {
        out.insufficient_data = Mode::resolved;
      } else if (mode == "ignore") {
        out.insufficient_data = Mode::ignore;
      } else {
        throw ConfigError(n["insufficient_data"],
                          "sources.sns.insufficient_data: expected firing, resolved or ignore, "
                          "got \"" +
                              mode + "\"");
      }
    }
  });
}

void read_cloudtrail(const YAML::Node& n, Diagnostics& diag, CloudTrailConfig& out) {
  diag.guard([&] {
    check_keys(n, {"keep"}, "sources.cloudtrail");
    if (const auto& keep = n["keep"]) {
      if (!keep.IsSequence()) {
        throw ConfigError(keep, "sources.cloudtrail.keep: a list of matcher lists");
      }
      for (size_t i = 0; i < keep.size(); ++i) {
        out.keep.push_back(
            get_matchers(keep[i], "sources.cloudtrail.keep[" + std::to_string(i) + "]"));
      }
    }
  });
}

void read_tcp(const YAML::Node& n, Diagnostics& diag, TcpSourceConfig& out) {
  diag.guard([&] {
    check_keys(n,
               {"listen", "max_line_bytes", "max_connections", "tenant", "idle_timeout",
                "handshake_timeout", "tls"},
               "sources.tcp");
    if (n["listen"]) out.listen = get_string(n["listen"], "sources.tcp.listen");
    if (n["max_line_bytes"]) {
      out.max_line_bytes =
          get_bytes(n["max_line_bytes"], "sources.tcp.max_line_bytes", 1 << 10, 1 << 30);
    }
    if (n["max_connections"]) {
      out.max_connections =
          get_size(n["max_connections"], "sources.tcp.max_connections", 1, 1000000);
    }
    if (n["tenant"]) out.tenant = read_short(n["tenant"], "sources.tcp.tenant");
    if (n["idle_timeout"]) {
      out.idle_timeout = get_duration(n["idle_timeout"], "sources.tcp.idle_timeout", true);
    }
    if (n["handshake_timeout"]) {
      out.handshake_timeout =
          get_duration(n["handshake_timeout"], "sources.tcp.handshake_timeout", false);
    }
    if (n["tls"]) read_tls(n["tls"], "sources.tcp.tls", out.tls);
  });
}

void read_redelivery(const YAML::Node& n, Diagnostics& diag, RedeliveryConfig& out) {
  diag.guard([&] {
    check_keys(n, {"window", "max_ids"}, "sources.redelivery");
    if (n["window"]) out.window = get_duration(n["window"], "sources.redelivery.window", false);
    if (n["max_ids"])
      out.max_ids = get_size(n["max_ids"], "sources.redelivery.max_ids", 1, 1 << 26);
  });
}

}  // namespace

void read_tls(const YAML::Node& n, const std::string& what, TlsConfig& out) {
  check_keys(n, {"cert_file", "key_file", "client_ca_file"}, what);
  if (n["cert_file"]) out.cert_file = get_string(n["cert_file"], what + ".cert_file");
  if (n["key_file"]) out.key_file = get_string(n["key_file"], what + ".key_file");
  if (n["client_ca_file"])
    out.client_ca_file = get_string(n["client_ca_file"], what + ".client_ca_file");
  if (out.cert_file.empty() != out.key_file.empty()) {
    throw ConfigError(n, what + ": cert_file and key_file go together");
  }
  if (!out.client_ca_file.empty() && out.cert_file.empty()) {
    throw ConfigError(n, what + ".client_ca_file: needs cert_file and key_file");
  }
}

void read_sources(const YAML::Node& n, Diagnostics& diag, SourcesConfig& out) {
  if (!diag.guard([&] {
        check_keys(n, {"splunk_hec", "sns", "cloudtrail", "tcp", "redelivery"}, "sources");
      })) {
    return;
  }
  if (n["splunk_hec"]) read_splunk_hec(n["splunk_hec"], diag, out.splunk_hec);
  if (n["sns"]) read_sns(n["sns"], diag, out.sns);
  if (n["cloudtrail"]) read_cloudtrail(n["cloudtrail"], diag, out.cloudtrail);
  if (n["tcp"]) read_tcp(n["tcp"], diag, out.tcp);
  if (n["redelivery"]) read_redelivery(n["redelivery"], diag, out.redelivery);
}

}  // namespace alertd::config
