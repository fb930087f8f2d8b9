#include "kube/token_source.h"

#include <sys/stat.h>

#include "kube/config.h"

namespace redispair::kube {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  const size_t start = s.find_first_not_of(" \t\r\n");
  return start == std::string::npos ? std::string() : s.substr(start);
}

}  // namespace

TokenSource::TokenSource(std::string token, std::string file)
    : file_(std::move(file)), token_(Trim(std::move(token))) {}

StatusOr<std::string> TokenSource::Get() {
  if (file_.empty()) return token_;
  struct stat st {};
  const bool stat_ok = ::stat(file_.c_str(), &st) == 0;
  std::lock_guard<std::mutex> lock(mu_);
  if (stat_ok && loaded_ && st.st_mtim.tv_sec == mtime_.tv_sec &&
      st.st_mtim.tv_nsec == mtime_.tv_nsec && st.st_ino == inode_) {
    return token_;
  }
  StatusOr<std::string> content = ReadFile(file_);
  if (!content.ok()) {
    if (loaded_) return token_;  // see the contract in the header
    return Status::Unavailable("bearer token: " + content.status().message());
  }
  token_ = Trim(std::move(content).value());
  loaded_ = true;
  if (stat_ok) {
    mtime_ = st.st_mtim;
    inode_ = st.st_ino;
  }
  return token_;
}

}  // namespace redispair::kube
