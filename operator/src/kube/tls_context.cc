#include "kube/tls_context.h"

#include <openssl/ssl.h>
#include <boost/system/system_error.hpp>

namespace redispair::kube {

namespace asio = boost::asio;

StatusOr<std::unique_ptr<asio::ssl::context>> MakeTlsContext(const ClusterConfig& config) {
  std::unique_ptr<asio::ssl::context> tls;
  try {
    tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  } catch (const boost::system::system_error& e) {
    return Status::Internal(std::string("create TLS context: ") + e.what());
  }
  SSL_CTX_set_min_proto_version(tls->native_handle(), TLS1_2_VERSION);
  boost::system::error_code ec;
  if (config.insecure_skip_tls_verify) {
    tls->set_verify_mode(asio::ssl::verify_none, ec);
  } else {
    tls->set_verify_mode(asio::ssl::verify_peer, ec);
    if (config.ca_pem.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->add_certificate_authority(asio::buffer(config.ca_pem), ec);
    }
    if (ec) return Status::InvalidArgument("certificate authority: " + ec.message());
  }
  if (!config.client_cert_pem.empty() || !config.client_key_pem.empty()) {
    tls->use_certificate_chain(asio::buffer(config.client_cert_pem), ec);
    if (ec) return Status::InvalidArgument("client certificate: " + ec.message());
    tls->use_private_key(asio::buffer(config.client_key_pem), asio::ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("client key: " + ec.message());
  }
  return tls;
}

}  // namespace redispair::kube
