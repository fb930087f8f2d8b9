#include "importer/progress.h"

#include <cinttypes>

namespace redispair::importer {
namespace {

std::string HumanRate(double per_second) {
  char buf[32];
  if (per_second >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.2fM/s", per_second / 1e6);
  } else if (per_second >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.0fk/s", per_second / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f/s", per_second);
  }
  return buf;
}

}  // namespace

std::string FormatProgress(uint64_t done, uint64_t total, double elapsed_seconds) {
  double rate = elapsed_seconds > 0 ? static_cast<double>(done) / elapsed_seconds : 0;
  int percent = total > 0 ? static_cast<int>(done * 100 / total) : 100;
  std::string eta = "--:--";
  if (rate > 0 && total >= done) {
    auto seconds = static_cast<uint64_t>(static_cast<double>(total - done) / rate + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%" PRIu64 ":%02" PRIu64, seconds / 60, seconds % 60);
    eta = buf;
  }
  char line[128];
  std::snprintf(line, sizeof(line), "  %" PRIu64 "/%" PRIu64 " commands  %d%%  %s  ETA %s", done,
                total, percent, HumanRate(rate).c_str(), eta.c_str());
  return line;
}

ProgressMeter::ProgressMeter(uint64_t total, bool enabled, std::FILE* out)
    : total_(total),
      enabled_(enabled),
      out_(out),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressMeter::Update(uint64_t done) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawInterval) return;
  last_draw_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  // \r and erase-to-end-of-line redraw in place.
  std::fprintf(out_, "\r%s\033[K", FormatProgress(done, total_, elapsed).c_str());
  std::fflush(out_);
  drawn_ = true;
}

void ProgressMeter::Finish() {
  if (drawn_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
    drawn_ = false;
  }
}

}  // namespace redispair::importer
