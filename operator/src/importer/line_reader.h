// Reads a file descriptor line by line through one large buffer.
//
// Memory stays bounded by the longest line (plus kReadChunk), whatever the file size, so a
// multi-gigabyte import file or an endless stdin can be validated in a streaming pass.
//
// Lines end at "\n"; a "\r" just before it (CRLF files) is dropped, which never changes how a
// line parses (sdssplitargs treats a trailing \r as whitespace). A last line without a newline is
// still a line. Not thread-safe; does not own the descriptors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace redispair::importer {

class Sha256;

class LineReader {
 public:
  // Bytes asked of each read(2): large, so that a 1e6-line file takes a few dozen syscalls.
  static constexpr size_t kReadChunk = 1 << 20;
  // Redis refuses bulk strings above 512 MB (proto-max-bulk-len); a longer line is surely a
  // mistake (a binary file?) and would only exhaust memory.
  static constexpr size_t kMaxLineBytes = size_t{1} << 30;

  // `digest` (optional) sees every byte read; so does `tee_fd` if >= 0, which is how stdin is
  // spooled to a temporary file during validation.
  explicit LineReader(int fd, Sha256* digest = nullptr, int tee_fd = -1);
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // Sets *line to the next line (valid until the next call) and returns true; returns false at
  // the end of input or on an error, which status() then reports.
  bool Next(std::string_view* line);

  // 1-based number of the line last returned by Next().
  uint64_t line_number() const { return line_number_; }
  uint64_t bytes_read() const { return bytes_read_; }
  const Status& status() const { return status_; }

 private:
  // Reads more input after the unconsumed bytes; false at EOF or on error.
  bool Fill();

  int fd_;
  Sha256* digest_;
  int tee_fd_;
  std::string buffer_;
  size_t begin_ = 0;  // first unconsumed byte
  size_t end_ = 0;    // one past the last valid byte
  size_t scan_ = 0;   // bytes in [begin_, scan_) are known not to contain '\n'
  bool eof_ = false;
  uint64_t line_number_ = 0;
  uint64_t bytes_read_ = 0;
  Status status_;
};

}  // namespace redispair::importer
