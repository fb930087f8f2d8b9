#include "test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace redispair::kube::testing {
namespace {

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

void Check(bool ok) {
  if (!ok) std::abort();
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext != nullptr);
  Check(X509_add_ext(cert, ext, -1) == 1);
  X509_EXTENSION_free(ext);
}

// Issues a certificate for `key`; self-signed when issuer is null.
KeyPair Issue(const std::string& cn, const char* org, const KeyPtr& key, X509* issuer,
              EVP_PKEY* issuer_key, const std::vector<std::pair<int, std::string>>& extensions) {
  static std::atomic<long> serial{1};
  CertPtr cert(X509_new());
  Check(X509_set_version(cert.get(), 2) == 1);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  Check(X509_set_pubkey(cert.get(), key.get()) == 1);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  if (org != nullptr) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(org),
                               -1, -1, 0);
  }
  X509* signer = issuer != nullptr ? issuer : cert.get();
  Check(X509_set_issuer_name(cert.get(), X509_get_subject_name(signer)) == 1);
  for (const auto& [nid, value] : extensions) {
    AddExtension(cert.get(), signer, nid, value.c_str());
  }
  Check(X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key.get(), EVP_sha256()) > 0);

  KeyPair out;
  BioPtr cert_bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(cert_bio.get(), cert.get()) == 1);
  out.cert_pem = BioText(cert_bio.get());
  BioPtr key_bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
        1);
  out.key_pem = BioText(key_bio.get());
  return out;
}

CertPtr ParseCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return CertPtr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

}  // namespace

TestPki MakeTestPki(const std::string& server_san) {
  KeyPtr ca_key(EVP_EC_gen("P-256"));
  KeyPtr server_key(EVP_EC_gen("P-256"));
  KeyPtr client_key(EVP_EC_gen("P-256"));
  Check(ca_key && server_key && client_key);

  TestPki pki;
  // Distinct CA names, so that a chain is never built through another test's CA by name.
  static std::atomic<int> ca_number{0};
  pki.ca =
      Issue("redispair-test-ca-" + std::to_string(++ca_number), nullptr, ca_key, nullptr, nullptr,
            {{NID_basic_constraints, "critical,CA:TRUE"},
             {NID_key_usage, "critical,keyCertSign,cRLSign"},
             {NID_subject_key_identifier, "hash"}});
  CertPtr ca_cert = ParseCert(pki.ca.cert_pem);
  Check(ca_cert != nullptr);
  pki.server = Issue("test-server", nullptr, server_key, ca_cert.get(), ca_key.get(),
                     {{NID_basic_constraints, "critical,CA:FALSE"},
                      {NID_ext_key_usage, "serverAuth"},
                      {NID_subject_alt_name, server_san}});
  pki.client =
      Issue("test-client", "system:masters", client_key, ca_cert.get(), ca_key.get(),
            {{NID_basic_constraints, "critical,CA:FALSE"}, {NID_ext_key_usage, "clientAuth"}});
  return pki;
}

}  // namespace redispair::kube::testing
