#include "importer/line_reader.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "importer/digest.h"

namespace redispair::importer {
namespace {

Status WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Internal(std::string("writing spool file: ") + std::strerror(errno));
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

LineReader::LineReader(int fd, Sha256* digest, int tee_fd)
    : fd_(fd), digest_(digest), tee_fd_(tee_fd) {
  buffer_.resize(kReadChunk);
}

bool LineReader::Fill() {
  if (eof_ || !status_.ok()) return false;
  // Move the partial line to the front so the buffer only grows for lines longer than it.
  if (begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scan_ -= begin_;
    begin_ = 0;
  }
  if (buffer_.size() - end_ < kReadChunk / 2) {
    if (buffer_.size() >= kMaxLineBytes) {
      status_ =
          Status::InvalidArgument("line " + std::to_string(line_number_ + 1) + ": longer than " +
                                  std::to_string(kMaxLineBytes) + " bytes");
      return false;
    }
    buffer_.resize(buffer_.size() * 2);
  }
  while (true) {
    ssize_t n = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      status_ = Status::Internal(std::string("read: ") + std::strerror(errno));
      return false;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    std::string_view chunk(buffer_.data() + end_, static_cast<size_t>(n));
    if (digest_ != nullptr) digest_->Update(chunk);
    if (tee_fd_ >= 0) {
      status_ = WriteAll(tee_fd_, chunk.data(), chunk.size());
      if (!status_.ok()) return false;
    }
    end_ += static_cast<size_t>(n);
    bytes_read_ += static_cast<uint64_t>(n);
    return true;
  }
}

bool LineReader::Next(std::string_view* line) {
  while (true) {
    const char* base = buffer_.data();
    const void* nl = std::memchr(base + scan_, '\n', end_ - scan_);
    if (nl != nullptr) {
      size_t pos = static_cast<const char*>(nl) - base;
      size_t len = pos - begin_;
      if (len > 0 && base[pos - 1] == '\r') --len;
      *line = std::string_view(base + begin_, len);
      begin_ = scan_ = pos + 1;
      ++line_number_;
      return true;
    }
    scan_ = end_;
    if (!Fill()) {
      if (!status_.ok() || begin_ == end_) return false;
      // The last line has no newline.
      size_t len = end_ - begin_;
      if (buffer_[end_ - 1] == '\r') --len;
      *line = std::string_view(buffer_.data() + begin_, len);
      begin_ = scan_ = end_;
      ++line_number_;
      return true;
    }
  }
}

}  // namespace redispair::importer
