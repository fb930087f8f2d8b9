// Internal to rp_kube: builds the OpenSSL client context for a ClusterConfig.
#pragma once

#include <memory>

#include <boost/asio/ssl/context.hpp>

#include "kube/config.h"
#include "util/status.h"

namespace redispair::kube {

// TLS 1.2+, peer verification against config.ca_pem (or the system's default verify paths when
// empty) unless insecure_skip_tls_verify, and the client certificate chain and key from PEM
// memory when set. Host name / IP checks are per connection (see Connection::Connect).
// InvalidArgument for unusable PEM data. The context is safe to share between threads once
// built (connections only read it).
StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeTlsContext(const ClusterConfig& config);

}  // namespace redispair::kube
