#include "importer/digest.h"

#include <openssl/evp.h>

namespace redispair::importer {

void Sha256::CtxDeleter::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) {
    status_ = Status::Internal("sha256: EVP_MD_CTX_new failed");
  } else if (EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) {
    status_ = Status::Internal("sha256: EVP_DigestInit_ex failed");
  }
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view bytes) {
  if (!status_.ok() || finished_ || bytes.empty()) return;
  if (EVP_DigestUpdate(ctx_.get(), bytes.data(), bytes.size()) != 1) {
    status_ = Status::Internal("sha256: EVP_DigestUpdate failed");
  }
}

StatusOr<std::string> Sha256::FinishHex() {
  if (!status_.ok()) return status_;
  // Finalising twice is undefined in EVP; make a second call an error instead.
  if (finished_) return Status::Internal("sha256: FinishHex called twice");
  finished_ = true;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) {
    status_ = Status::Internal("sha256: EVP_DigestFinal_ex failed");
    return status_;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[md[i] >> 4]);
    hex.push_back(kHex[md[i] & 0xf]);
  }
  return hex;
}

}  // namespace redispair::importer
