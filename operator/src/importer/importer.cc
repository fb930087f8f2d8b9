#include "importer/importer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "importer/argv.h"
#include "importer/command_parser.h"
#include "importer/command_policy.h"
#include "importer/digest.h"
#include "importer/line_reader.h"
#include "importer/resp.h"

namespace redispair::importer {
namespace {

// How often (in commands) SendInput reports progress: rarely enough to cost nothing.
constexpr uint64_t kProgressEvery = 4096;

struct InFlight {
  uint64_t line;   // where the command came from, to report its error reply
  uint64_t bytes;  // its approximate size on the wire, for the memory bound
};

// A fixed-capacity FIFO of the commands awaiting their reply; allocated once.
class InFlightRing {
 public:
  explicit InFlightRing(size_t capacity) : slots_(capacity) {}
  size_t size() const { return size_; }
  bool full() const { return size_ == slots_.size(); }
  void Push(InFlight c) {
    slots_[(head_ + size_) % slots_.size()] = c;
    ++size_;
  }
  InFlight Pop() {
    InFlight c = slots_[head_];
    head_ = (head_ + 1) % slots_.size();
    --size_;
    return c;
  }

 private:
  std::vector<InFlight> slots_;
  size_t head_ = 0;
  size_t size_ = 0;
};

// Pass 2 re-parses lines pass 1 accepted; failing now means the file changed underneath us.
Status ChangedSinceValidation(uint64_t line, const Status& parse) {
  return Status::Internal(
      "line " + std::to_string(line) +
      " no longer parses (the file changed during the import?): " + parse.message());
}

class Sender {
 public:
  Sender(RedisClient* client, const SendOptions& options)
      : client_(client), options_(options), in_flight_(options.max_in_flight_commands) {}

  Status Send(uint64_t line, const Argv& argv) {
    Status s = client_->Append(argv);
    if (!s.ok()) return Lost(s);
    // RESP framing adds a few bytes per argument; close enough for a memory bound.
    uint64_t bytes = argv.byte_size() + 16 * argv.size();
    in_flight_.Push({line, bytes});
    in_flight_bytes_ += bytes;
    if (in_flight_.full() || in_flight_bytes_ >= options_.max_in_flight_bytes) {
      // Drain to half, not to zero, so the server always has work queued while we read.
      return DrainTo(in_flight_.size() / 2, options_.max_in_flight_bytes / 2);
    }
    return Status::Ok();
  }

  // Reads replies until at most `commands` commands and `bytes` bytes are in flight.
  Status DrainTo(size_t commands, uint64_t bytes) {
    while (in_flight_.size() > commands || (in_flight_.size() > 0 && in_flight_bytes_ > bytes)) {
      Status s = client_->ReadReply(&reply_);
      if (!s.ok()) return Lost(s);
      InFlight done = in_flight_.Pop();
      in_flight_bytes_ -= done.bytes;
      ++result_.sent;
      if (reply_.type == Reply::Type::kError) {
        result_.errors.Add(done.line, reply_.str);
      } else {
        ++result_.ok;
      }
    }
    return Status::Ok();
  }

  SendResult& result() { return result_; }

 private:
  Status Lost(const Status& s) const {
    return s.WithContext("import stopped after " + std::to_string(result_.sent) +
                         " answered commands");
  }

  RedisClient* client_;
  SendOptions options_;
  InFlightRing in_flight_;
  uint64_t in_flight_bytes_ = 0;
  Reply reply_;  // reused: most replies are "+OK", so this rarely allocates
  SendResult result_;
};

}  // namespace

StatusOr<ValidationResult> ValidateInput(int fd, int tee_fd) {
  ValidationResult result;
  Sha256 digest;
  if (!digest.status().ok()) return digest.status();
  LineReader reader(fd, &digest, tee_fd);
  Argv argv;
  std::string_view line;
  while (reader.Next(&line)) {
    Status s = ParseLine(line, &argv);
    if (!s.ok()) {
      result.errors.Add(reader.line_number(), s.message());
      continue;
    }
    if (argv.empty()) continue;  // blank line, as redis-cli skips it
    s = CheckImportable(argv);
    if (!s.ok()) {
      result.errors.Add(reader.line_number(), s.message());
      continue;
    }
    if (IsSelect(argv)) result.uses_select = true;
    ++result.commands;
  }
  if (!reader.status().ok()) return reader.status();
  result.lines = reader.line_number();
  result.bytes = reader.bytes_read();
  StatusOr<std::string> hex = digest.FinishHex();
  if (!hex.ok()) return hex.status();
  result.sha256 = std::move(hex).value();
  return result;
}

StatusOr<SendResult> SendInput(int fd, RedisClient* client, const SendOptions& options,
                               const ProgressCallback& progress) {
  if (options.max_in_flight_commands == 0) {
    return Status::InvalidArgument("max_in_flight_commands must be positive");
  }
  Sender sender(client, options);
  LineReader reader(fd);
  Argv argv;
  std::string_view line;
  uint64_t next_progress = kProgressEvery;
  while (reader.Next(&line)) {
    Status s = ParseLine(line, &argv);
    if (!s.ok()) return ChangedSinceValidation(reader.line_number(), s);
    if (argv.empty()) continue;
    s = sender.Send(reader.line_number(), argv);
    if (!s.ok()) return s;
    if (progress && sender.result().sent >= next_progress) {
      progress(sender.result().sent);
      next_progress = sender.result().sent + kProgressEvery;
    }
  }
  if (!reader.status().ok()) return reader.status();
  Status s = sender.DrainTo(0, 0);
  if (!s.ok()) return s;
  if (progress) progress(sender.result().sent);
  return std::move(sender.result());
}

Status EmitResp(int fd, int out_fd) {
  // Flush in large writes; the buffer never holds much more than this.
  constexpr size_t kFlushBytes = size_t{1} << 20;
  LineReader reader(fd);
  Argv argv;
  std::string out;
  out.reserve(kFlushBytes * 2);
  std::string_view line;
  auto flush = [&]() -> Status {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::write(out_fd, out.data() + done, out.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return Status::Internal(std::string("writing RESP: ") + std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    out.clear();
    return Status::Ok();
  };
  while (reader.Next(&line)) {
    Status s = ParseLine(line, &argv);
    if (!s.ok()) return ChangedSinceValidation(reader.line_number(), s);
    if (argv.empty()) continue;
    AppendRespCommand(argv, &out);
    if (out.size() >= kFlushBytes) {
      s = flush();
      if (!s.ok()) return s;
    }
  }
  if (!reader.status().ok()) return reader.status();
  return flush();
}

}  // namespace redispair::importer
