#include "ingest/tcp/tls_context.h"

namespace alertd::ingest::tcp {

namespace ssl = boost::asio::ssl;

namespace {

core::Result<std::shared_ptr<ssl::context>> load(const TlsFiles& files) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  boost::system::error_code ec;
  auto fail = [&ec](const std::string& what, const std::string& file) {
    return core::Error{"tls_file", "cannot load the " + what + " \"" + file +
                                       "\": " + (ec ? ec.message() : std::string("missing"))};
  };
  // TLS 1.2 and later only.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  if (files.cert_file.empty()) return fail("certificate", "");
  if (context->use_certificate_chain_file(files.cert_file, ec); ec) {
    return fail("certificate chain", files.cert_file);
  }
  if (context->use_private_key_file(files.key_file, ssl::context::pem, ec); ec) {
    return fail("private key", files.key_file);
  }
  if (!files.client_ca_file.empty()) {
    if (context->load_verify_file(files.client_ca_file, ec); ec) {
      return fail("client CA bundle", files.client_ca_file);
    }
    context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
  }
  return context;
}

}  // namespace

core::Result<std::unique_ptr<TlsContextHolder>> TlsContextHolder::open(const TlsFiles& files) {
  auto context = load(files);
  if (!context) return context.error();
  return std::unique_ptr<TlsContextHolder>(
      new TlsContextHolder(std::move(*context), !files.client_ca_file.empty()));
}

std::optional<core::Error> TlsContextHolder::reload(const TlsFiles& files) {
  auto context = load(files);
  if (!context) return context.error();
  std::lock_guard lock(mutex_);
  context_ = std::move(*context);
  verifies_clients_ = !files.client_ca_file.empty();
  return std::nullopt;
}

std::shared_ptr<ssl::context> TlsContextHolder::current() const {
  std::lock_guard lock(mutex_);
  return context_;
}

bool TlsContextHolder::verifies_clients() const {
  std::lock_guard lock(mutex_);
  return verifies_clients_;
}

}  // namespace alertd::ingest::tcp
