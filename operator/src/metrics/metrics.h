// A tiny Prometheus metrics registry (no client library), rendered in the text exposition
// format 0.0.4 by the ops server's GET /metrics.
//
//   metrics.Describe("redispair_reconciles_total", "counter", "Reconcile passes, by result.");
//   metrics.Inc("redispair_reconciles_total", {{"result", "ok"}});
//   metrics.Observe("redispair_reconcile_duration_seconds", {}, 0.012);
//
// A metric family is identified by its name; a series within it by its label set. Label order
// does not matter: labels are sorted by name, so {a,b} and {b,a} name the same series. A family's
// type is the one given to Describe(), or else the kind of the first update (Inc => counter,
// Set => gauge, Observe => histogram). An update of the wrong kind for its family (Observe on a
// counter, Inc on a histogram) is a programming error and is ignored.
//
// Histograms use the fixed Prometheus default buckets (.005 s .. 10 s), which suit API latencies.
//
// Besides the registered metrics, Render() always exports process_resident_memory_bytes (read
// from /proc/self/statm at render time) and process_start_time_seconds.
//
// Thread-safe: every method may be called from any thread. Not copyable.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace redispair {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Sets the HELP text and TYPE ("counter", "gauge" or "histogram") of a family. May be called
  // before or after the first update; describing again replaces the text.
  void Describe(std::string_view name, std::string_view type, std::string_view help);

  // Adds `v` (default 1) to a counter or gauge series, creating it at 0 first.
  void Inc(std::string_view name, const Labels& labels = {}, double v = 1);
  // Sets a gauge series to `v`.
  void Set(std::string_view name, const Labels& labels, double v);
  // Records one observation in a histogram series.
  void Observe(std::string_view name, const Labels& labels, double value);

  // The current value of a counter or gauge series, or the observation count of a histogram
  // series; 0 if the series does not exist. For tests, which check what a component recorded
  // without parsing Render().
  double Get(std::string_view name, const Labels& labels = {}) const;

  // The whole registry in the text exposition format 0.0.4: families sorted by name, each with
  // its # HELP and # TYPE lines, series sorted by label set.
  std::string Render() const;

  // The histogram bucket upper bounds, in seconds, ascending (+Inf is implicit).
  static const std::vector<double>& HistogramBuckets();

 private:
  enum class Kind { kCounter, kGauge, kHistogram, kUntyped };

  struct Series {
    double value = 0;                     // counter and gauge
    std::vector<uint64_t> bucket_counts;  // histogram: non-cumulative, one per bound
    uint64_t count = 0;                   // histogram
    double sum = 0;                       // histogram
  };

  struct Family {
    Kind kind = Kind::kUntyped;
    bool described = false;
    std::string help;
    // Key: the rendered, sorted label set without braces, e.g. `code="200",method="GET"`.
    std::map<std::string, Series> series;
  };

  // Finds or creates the family for an update of kind `kind`; returns null when the family
  // exists with an incompatible kind. REQUIRES: mu_ held.
  Family* FamilyForUpdate(std::string_view name, Kind kind);

  static std::string LabelKey(const Labels& labels);
  static void RenderFamily(const std::string& name, const Family& family, std::string* out);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // guarded by mu_
  const double start_time_seconds_;
};

// Formats a sample value as Prometheus expects: shortest round-trip decimal, "+Inf", "-Inf",
// "NaN". Exposed for tests.
std::string FormatMetricValue(double v);

// Escapes a label value (backslash, double quote, newline). Exposed for tests.
std::string EscapeLabelValue(std::string_view v);

}  // namespace redispair
