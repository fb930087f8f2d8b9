// Incremental SHA-256 (OpenSSL EVP), used to recognise an import file that was already loaded.
//
// Not thread-safe. Non-copyable: it owns an OpenSSL context.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

struct evp_md_ctx_st;

namespace redispair::importer {

class Sha256 {
 public:
  // Check ok() before use: creating the OpenSSL context can fail (out of memory, FIPS policy).
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  const Status& status() const { return status_; }

  void Update(std::string_view bytes);

  // The lowercase hex digest of everything passed to Update(). Call at most once.
  StatusOr<std::string> FinishHex();

 private:
  struct CtxDeleter {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, CtxDeleter> ctx_;
  Status status_;  // the first failure, sticky
  bool finished_ = false;
};

}  // namespace redispair::importer
