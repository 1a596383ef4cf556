#pragma once
// TLS for a listener (sources.tcp.tls; built so that the HTTP server, which
// may include ingest/, can share it): the certificate, key and client CA
// files are loaded into an ssl::context that new handshakes take. A reload
// builds a whole new context first and swaps it in only when every file
// loaded, so a bad new file keeps the old certificate serving and the
// reload reports why. Connections keep the context they shook hands with.

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.h"

namespace alertd::ingest::tcp {

struct TlsFiles {
  std::string cert_file;       // PEM chain, leaf first
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // "": no client certificate asked for
};

class TlsContextHolder {
 public:
  /// Loads the files; an error names the file that failed and why.
  static core::Result<std::unique_ptr<TlsContextHolder>> open(const TlsFiles& files);

  /// Loads the files again (they may be the same paths, renewed); on an
  /// error the current context stays and the error says why.
  std::optional<core::Error> reload(const TlsFiles& files);

  /// The context a new handshake uses.
  std::shared_ptr<boost::asio::ssl::context> current() const;

  bool verifies_clients() const;

 private:
  explicit TlsContextHolder(std::shared_ptr<boost::asio::ssl::context> context, bool clients)
      : context_(std::move(context)), verifies_clients_(clients) {}

  mutable std::mutex mutex_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  bool verifies_clients_ = false;
};

}  // namespace alertd::ingest::tcp
