// Test-only PKI: a CA and certificates signed by it, generated in memory (EC P-256, valid for
// one hour), in PEM. Thread-safe (no shared state).
#pragma once

#include <string>

namespace redispair::kube::testing {

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

struct TestPki {
  KeyPair ca;
  KeyPair server;  // subjectAltName as given to MakeTestPki, serverAuth
  KeyPair client;  // CN "test-client", O "system:masters", clientAuth
};

// `server_san` is an OpenSSL subjectAltName value, e.g. "IP:127.0.0.1" or "DNS:localhost".
// Aborts the test on OpenSSL failures (there is nothing sensible to recover).
TestPki MakeTestPki(const std::string& server_san);

}  // namespace redispair::kube::testing
