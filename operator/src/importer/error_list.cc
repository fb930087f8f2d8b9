#include "importer/error_list.h"

namespace redispair::importer {

void ErrorList::Add(uint64_t line, std::string_view message) {
  ++count_;
  if (listed_.size() < max_listed_) {
    // "line 7, column 12: reason" for parse errors, "line 7: reason" otherwise.
    std::string entry = "line " + std::to_string(line);
    entry += message.starts_with("column ") ? ", " : ": ";
    entry.append(message);
    listed_.push_back(std::move(entry));
  }
}

std::string ErrorList::Format() const {
  std::string out;
  for (const std::string& e : listed_) {
    out += "  ";
    out += e;
    out += '\n';
  }
  if (count_ > listed_.size()) {
    out += "  ... and " + std::to_string(count_ - listed_.size()) + " more\n";
  }
  return out;
}

}  // namespace redispair::importer
