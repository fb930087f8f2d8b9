// Shared helpers for the importer unit tests: temp files and a scripted fake RedisClient.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "importer/redis_client.h"

namespace redispair::importer::testing {

// An unlinked temp file holding `content`, open for reading at offset 0. Non-copyable.
class TempFile {
 public:
  explicit TempFile(std::string_view content) {
    char path[] = "/tmp/importer-test-XXXXXX";
    fd_ = ::mkstemp(path);
    ::unlink(path);
    size_t done = 0;
    while (done < content.size()) {
      ssize_t n = ::write(fd_, content.data() + done, content.size() - done);
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    Rewind();
  }
  ~TempFile() { ::close(fd_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  int fd() const { return fd_; }
  void Rewind() { ::lseek(fd_, 0, SEEK_SET); }
  std::string ReadAll() {
    Rewind();
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd_, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }

 private:
  int fd_ = -1;
};

// Records every command; answers "+OK" unless `respond` says otherwise. Can simulate a
// connection that breaks after a number of replies.
class FakeRedis : public RedisClient {
 public:
  using Responder = std::function<Reply(const std::vector<std::string>& argv)>;

  explicit FakeRedis(Responder respond = nullptr) : respond_(std::move(respond)) {}

  Status Append(const Argv& argv) override {
    commands.push_back(argv.ToVector());
    pending_.push_back(commands.size() - 1);
    if (pending_.size() > max_in_flight) max_in_flight = pending_.size();
    return Status::Ok();
  }

  Status ReadReply(Reply* reply) override {
    if (pending_.empty()) return Status::Internal("fake: ReadReply with nothing pending");
    if (fail_after_replies >= 0 && replies_read >= fail_after_replies) {
      return Status::Unavailable("fake: connection reset");
    }
    const std::vector<std::string>& argv = commands[pending_.front()];
    pending_.pop_front();
    ++replies_read;
    if (respond_) {
      *reply = respond_(argv);
    } else {
      *reply = Reply{Reply::Type::kStatus, "OK", 0};
    }
    return Status::Ok();
  }

  std::vector<std::vector<std::string>> commands;
  size_t max_in_flight = 0;
  long replies_read = 0;
  long fail_after_replies = -1;  // < 0: never fail

 private:
  Responder respond_;
  std::deque<size_t> pending_;
};

inline Reply ErrorReply(std::string text) { return Reply{Reply::Type::kError, std::move(text), 0}; }
inline Reply OkReply() { return Reply{Reply::Type::kStatus, "OK", 0}; }

}  // namespace redispair::importer::testing
