// Internal to rp_kube: the bearer token sent with every request, either static or read from a
// file that is re-read whenever it changes (projected service-account tokens are rotated by the
// kubelet, which swaps a symlink: the file's mtime and inode change).
//
// Thread-safe.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <mutex>
#include <string>

#include "util/status.h"

namespace redispair::kube {

class TokenSource {
 public:
  // With a non-empty `file`, the token comes from the file and `token` is ignored.
  TokenSource(std::string token, std::string file);
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // The current token, whitespace-trimmed ("" for none). Costs one stat(2) per call when a file
  // is used. If the file cannot be read after it was read once, the last token is kept (it is
  // usually still valid for a while and the server will say if not); Unavailable only if it
  // was never readable.
  StatusOr<std::string> Get();

 private:
  const std::string file_;
  std::mutex mu_;
  std::string token_;    // guarded by mu_ when file_ is set
  bool loaded_ = false;  // guarded by mu_
  timespec mtime_{};     // guarded by mu_
  ino_t inode_ = 0;      // guarded by mu_
};

}  // namespace redispair::kube
