#include "kube/line_splitter.h"

namespace redispair::kube {
namespace {

void Deliver(std::string_view line, const std::function<void(std::string_view)>& on_line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.empty()) on_line(line);
}

}  // namespace

Status LineSplitter::Feed(std::string_view chunk,
                          const std::function<void(std::string_view line)>& on_line) {
  if (!failure_.ok()) return failure_;
  while (!chunk.empty()) {
    const size_t newline = chunk.find('\n');
    const size_t part = newline == std::string_view::npos ? chunk.size() : newline;
    // The line so far (carried bytes plus this part) must fit, whether or not it ends here.
    if (buffer_.size() + part > max_line_bytes_) {
      buffer_.clear();
      buffer_.shrink_to_fit();
      failure_ = Status::InvalidArgument("watch stream line exceeds " +
                                         std::to_string(max_line_bytes_) + " bytes");
      return failure_;
    }
    if (newline == std::string_view::npos) {
      buffer_.append(chunk);
      return Status::Ok();
    }
    if (buffer_.empty()) {
      Deliver(chunk.substr(0, newline), on_line);  // the common case: no copy
    } else {
      buffer_.append(chunk.substr(0, newline));
      Deliver(buffer_, on_line);
      buffer_.clear();
    }
    chunk.remove_prefix(newline + 1);
  }
  return Status::Ok();
}

void LineSplitter::Reset() {
  buffer_.clear();
  failure_ = Status::Ok();
}

}  // namespace redispair::kube
