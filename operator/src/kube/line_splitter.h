// Splits a byte stream (the decoded body of a Kubernetes watch) into newline-terminated lines,
// independently of how the bytes were chunked on the wire: a line may span many chunks and one
// chunk may hold many lines.
//
//   LineSplitter splitter;
//   Status s = splitter.Feed(chunk, [&](std::string_view line) { HandleEvent(line); });
//
// Empty lines are skipped and one trailing '\r' is stripped from each line. A line longer than
// `max_line_bytes` is an error: the splitter refuses to buffer without bound, reports
// InvalidArgument, and stays failed (every later Feed returns the same error) until Reset().
//
// Not thread-safe: one splitter belongs to one stream.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace redispair::kube {

class LineSplitter {
 public:
  // Big enough for any single object the API server sends (etcd's request limit is 1.5 MiB, a
  // watch event adds a small envelope) with a generous margin.
  static constexpr size_t kDefaultMaxLineBytes = 64 * 1024 * 1024;

  explicit LineSplitter(size_t max_line_bytes = kDefaultMaxLineBytes)
      : max_line_bytes_(max_line_bytes) {}

  // Appends `chunk` and calls `on_line` for every line completed by it, in order. The
  // string_view is valid only during the call. Returns OK, or InvalidArgument once a line
  // exceeds the limit (lines completed before the oversized one are still delivered).
  Status Feed(std::string_view chunk, const std::function<void(std::string_view line)>& on_line);

  // Bytes of the incomplete last line held so far.
  size_t buffered() const { return buffer_.size(); }

  // Drops any partial line and clears a failure.
  void Reset();

 private:
  const size_t max_line_bytes_;
  std::string buffer_;  // the incomplete line carried between chunks
  Status failure_;
};

}  // namespace redispair::kube
