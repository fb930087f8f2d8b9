// The arguments of one parsed command, stored back to back in a single buffer.
//
// An import parses millions of lines; keeping every argument of a line in one reusable buffer
// (instead of a std::vector<std::string>) means steady-state parsing allocates nothing. Arguments
// are binary-safe: they may contain any byte, NUL included.
//
// Not thread-safe; string_views returned by operator[] are invalidated by any mutation.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace redispair::importer {

class Argv {
 public:
  Argv() = default;
  Argv(std::initializer_list<std::string_view> args) {
    for (std::string_view a : args) PushBack(a);
  }

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  std::string_view operator[](size_t i) const {
    size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }
  // Total bytes of all arguments (without any framing).
  size_t byte_size() const { return bytes_.size(); }

  // Forgets the arguments but keeps the capacity, so the next line reuses it.
  void Clear() {
    bytes_.clear();
    ends_.clear();
  }

  // Builder used by the parser: bytes go into the argument under construction until EndArg().
  void AppendToCurrent(std::string_view bytes) { bytes_.append(bytes); }
  void AppendToCurrent(char c) { bytes_.push_back(c); }
  void EndArg() { ends_.push_back(bytes_.size()); }

  void PushBack(std::string_view arg) {
    AppendToCurrent(arg);
    EndArg();
  }

  std::vector<std::string> ToVector() const {
    std::vector<std::string> out;
    out.reserve(size());
    for (size_t i = 0; i < size(); ++i) out.emplace_back((*this)[i]);
    return out;
  }

 private:
  std::string bytes_;         // every argument, concatenated
  std::vector<size_t> ends_;  // ends_[i] is one past the last byte of argument i in bytes_
};

}  // namespace redispair::importer
