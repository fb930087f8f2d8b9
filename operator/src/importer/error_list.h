// A bounded list of per-line errors: the first few are kept verbatim, the rest only counted, so a
// file with a million bad lines neither floods the terminal nor exhausts memory.
//
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace redispair::importer {

class ErrorList {
 public:
  // Enough to see a pattern and fix the first lines; more would scroll the summary away.
  static constexpr size_t kDefaultMaxListed = 20;

  explicit ErrorList(size_t max_listed = kDefaultMaxListed) : max_listed_(max_listed) {}

  // Records "line <line>: <message>", or "line <line>, column C: ..." when the message starts
  // with "column ".
  void Add(uint64_t line, std::string_view message);

  uint64_t count() const { return count_; }
  bool empty() const { return count_ == 0; }
  const std::vector<std::string>& listed() const { return listed_; }

  // One indented entry per line, then "  ... and N more" when some were not kept.
  std::string Format() const;

 private:
  size_t max_listed_;
  uint64_t count_ = 0;
  std::vector<std::string> listed_;
};

}  // namespace redispair::importer
