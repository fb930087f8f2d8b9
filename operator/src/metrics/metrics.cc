#include "metrics/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <fstream>
#include <sstream>

namespace redispair {
namespace {

// Process start time from /proc (field 22 of /proc/self/stat, in clock ticks after boot, plus
// btime from /proc/stat), as the Prometheus Go client computes it. Falls back to "now", which is
// close enough because the registry is created at startup.
double ProcessStartTimeSeconds() {
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (!std::getline(stat, line)) return now;
  // The command name (field 2) may contain spaces and parentheses; fields resume after the last
  // ')'. Field 3 is the first one after it, so starttime (22) is the 20th token.
  const size_t paren = line.rfind(')');
  if (paren == std::string::npos) return now;
  std::istringstream fields(line.substr(paren + 1));
  std::string token;
  for (int i = 0; i < 20 && (fields >> token); ++i) {
  }
  unsigned long long start_ticks = 0;
  if (std::from_chars(token.data(), token.data() + token.size(), start_ticks).ec != std::errc()) {
    return now;
  }
  std::ifstream proc_stat("/proc/stat");
  unsigned long long btime = 0;
  while (std::getline(proc_stat, line)) {
    if (line.rfind("btime ", 0) == 0) {
      btime = std::stoull(line.substr(6));
      break;
    }
  }
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  if (btime == 0 || ticks_per_second <= 0) return now;
  return static_cast<double>(btime) +
         static_cast<double>(start_ticks) / static_cast<double>(ticks_per_second);
}

// Resident set size from /proc/self/statm (second field, in pages); 0 if unreadable.
double ResidentMemoryBytes() {
  std::ifstream statm("/proc/self/statm");
  unsigned long long size_pages = 0, resident_pages = 0;
  if (!(statm >> size_pages >> resident_pages)) return 0;
  return static_cast<double>(resident_pages) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

std::string_view KindName(int kind) {
  static constexpr std::string_view kNames[] = {"counter", "gauge", "histogram", "untyped"};
  return kNames[kind];
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// "{key}" or "{key,extra}" or "{extra}" or "".
std::string Braced(const std::string& key, const std::string& extra = {}) {
  if (key.empty() && extra.empty()) return {};
  std::string out = "{" + key;
  if (!key.empty() && !extra.empty()) out += ",";
  out += extra + "}";
  return out;
}

}  // namespace

std::string FormatMetricValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return "NaN";  // cannot happen with a 64-byte buffer
  return std::string(buf, end);
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

const std::vector<double>& Metrics::HistogramBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                               0.5,   1,    2.5,   5,    10};
  return kBuckets;
}

Metrics::Metrics() : start_time_seconds_(ProcessStartTimeSeconds()) {}

std::string Metrics::LabelKey(const Labels& labels) {
  Labels sorted = labels;
  std::sort(sorted.begin(), sorted.end());
  std::string key;
  for (const auto& [k, v] : sorted) {
    if (!key.empty()) key += ',';
    key += k;
    key += "=\"";
    key += EscapeLabelValue(v);
    key += '"';
  }
  return key;
}

Metrics::Family* Metrics::FamilyForUpdate(std::string_view name, Kind kind) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), Family{}).first;
  }
  Family& family = it->second;
  if (family.kind == Kind::kUntyped && !family.described) family.kind = kind;
  const bool value_kind = kind == Kind::kCounter || kind == Kind::kGauge;
  const bool family_value_kind = family.kind != Kind::kHistogram;
  if (value_kind != family_value_kind) return nullptr;
  return &family;
}

void Metrics::Describe(std::string_view name, std::string_view type, std::string_view help) {
  Kind kind = Kind::kUntyped;
  if (type == "counter") {
    kind = Kind::kCounter;
  } else if (type == "gauge") {
    kind = Kind::kGauge;
  } else if (type == "histogram") {
    kind = Kind::kHistogram;
  }
  std::lock_guard<std::mutex> lock(mu_);
  Family& family = families_[std::string(name)];
  family.kind = kind;
  family.described = true;
  family.help = std::string(help);
}

void Metrics::Inc(std::string_view name, const Labels& labels, double v) {
  std::string key = LabelKey(labels);
  std::lock_guard<std::mutex> lock(mu_);
  Family* family = FamilyForUpdate(name, Kind::kCounter);
  if (family == nullptr) return;  // wrong kind: documented as ignored
  family->series[key].value += v;
}

void Metrics::Set(std::string_view name, const Labels& labels, double v) {
  std::string key = LabelKey(labels);
  std::lock_guard<std::mutex> lock(mu_);
  Family* family = FamilyForUpdate(name, Kind::kGauge);
  if (family == nullptr) return;  // wrong kind: documented as ignored
  family->series[key].value = v;
}

void Metrics::Observe(std::string_view name, const Labels& labels, double value) {
  std::string key = LabelKey(labels);
  const auto& bounds = HistogramBuckets();
  std::lock_guard<std::mutex> lock(mu_);
  Family* family = FamilyForUpdate(name, Kind::kHistogram);
  if (family == nullptr) return;  // wrong kind: documented as ignored
  Series& series = family->series[key];
  if (series.bucket_counts.empty()) series.bucket_counts.assign(bounds.size(), 0);
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (value <= bounds[i]) {
      ++series.bucket_counts[i];
      break;
    }
  }
  ++series.count;
  series.sum += value;
}

double Metrics::Get(std::string_view name, const Labels& labels) const {
  std::string key = LabelKey(labels);
  std::lock_guard<std::mutex> lock(mu_);
  auto family = families_.find(name);
  if (family == families_.end()) return 0;
  auto series = family->second.series.find(key);
  if (series == family->second.series.end()) return 0;
  if (family->second.kind == Kind::kHistogram) return static_cast<double>(series->second.count);
  return series->second.value;
}

void Metrics::RenderFamily(const std::string& name, const Family& family, std::string* out) {
  if (!family.help.empty()) *out += "# HELP " + name + " " + EscapeHelp(family.help) + "\n";
  *out += "# TYPE " + name + " " + std::string(KindName(static_cast<int>(family.kind))) + "\n";
  for (const auto& [key, series] : family.series) {
    if (family.kind != Kind::kHistogram) {
      *out += name + Braced(key) + " " + FormatMetricValue(series.value) + "\n";
      continue;
    }
    const auto& bounds = HistogramBuckets();
    uint64_t cumulative = 0;
    for (size_t i = 0; i < bounds.size(); ++i) {
      cumulative += series.bucket_counts.empty() ? 0 : series.bucket_counts[i];
      *out += name + "_bucket" + Braced(key, "le=\"" + FormatMetricValue(bounds[i]) + "\"") + " " +
              std::to_string(cumulative) + "\n";
    }
    *out +=
        name + "_bucket" + Braced(key, "le=\"+Inf\"") + " " + std::to_string(series.count) + "\n";
    *out += name + "_sum" + Braced(key) + " " + FormatMetricValue(series.sum) + "\n";
    *out += name + "_count" + Braced(key) + " " + std::to_string(series.count) + "\n";
  }
}

std::string Metrics::Render() const {
  std::map<std::string, Family> snapshot;
  {
    std::lock_guard<std::mutex> lock(mu_);
    snapshot.insert(families_.begin(), families_.end());
  }
  // Process metrics are computed now, outside the lock; a registered family of the same name
  // (unlikely) wins.
  Family rss{Kind::kGauge, true, "Resident memory size in bytes.", {}};
  rss.series[""].value = ResidentMemoryBytes();
  snapshot.emplace("process_resident_memory_bytes", std::move(rss));
  Family start{Kind::kGauge, true, "Start time of the process since unix epoch in seconds.", {}};
  start.series[""].value = start_time_seconds_;
  snapshot.emplace("process_start_time_seconds", std::move(start));

  std::string out;
  for (const auto& [name, family] : snapshot) RenderFamily(name, family, &out);
  return out;
}

}  // namespace redispair
