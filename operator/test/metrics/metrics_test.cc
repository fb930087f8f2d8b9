#include "metrics/metrics.h"

#include <thread>
#include <vector>

#include <catch2/catch.hpp>

namespace redispair {
namespace {

// Render() without the always-present process_* families, for exact comparisons.
std::string RenderWithoutProcess(const Metrics& m) {
  std::string all = m.Render();
  std::string out;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find('\n', pos);
    std::string line = all.substr(pos, end - pos + 1);
    if (line.find("process_") == std::string::npos) out += line;
    pos = end + 1;
  }
  return out;
}

TEST_CASE("CounterWithLabelsRendersExactly", "[metrics]") {
  Metrics m;
  m.Describe("redispair_api_requests_total", "counter", "API requests.");
  m.Inc("redispair_api_requests_total", {{"method", "GET"}, {"code", "200"}});
  m.Inc("redispair_api_requests_total", {{"code", "200"}, {"method", "GET"}}, 2);
  m.Inc("redispair_api_requests_total", {{"method", "PATCH"}, {"code", "error"}});
  CHECK(RenderWithoutProcess(m) ==
        "# HELP redispair_api_requests_total API requests.\n"
        "# TYPE redispair_api_requests_total counter\n"
        "redispair_api_requests_total{code=\"200\",method=\"GET\"} 3\n"
        "redispair_api_requests_total{code=\"error\",method=\"PATCH\"} 1\n");
  CHECK(m.Get("redispair_api_requests_total", {{"method", "GET"}, {"code", "200"}}) == 3);
  CHECK(m.Get("redispair_api_requests_total", {{"method", "PUT"}, {"code", "200"}}) == 0);
  CHECK(m.Get("absent") == 0);
}

TEST_CASE("HistogramRendersCumulativeBucketsSumAndCount", "[metrics]") {
  Metrics m;
  m.Describe("d_seconds", "histogram", "Latency.");
  m.Observe("d_seconds", {{"method", "GET"}}, 0.003);
  m.Observe("d_seconds", {{"method", "GET"}}, 0.2);
  m.Observe("d_seconds", {{"method", "GET"}}, 42);
  CHECK(RenderWithoutProcess(m) ==
        "# HELP d_seconds Latency.\n"
        "# TYPE d_seconds histogram\n"
        "d_seconds_bucket{method=\"GET\",le=\"0.005\"} 1\n"
        "d_seconds_bucket{method=\"GET\",le=\"0.01\"} 1\n"
        "d_seconds_bucket{method=\"GET\",le=\"0.025\"} 1\n"
        "d_seconds_bucket{method=\"GET\",le=\"0.05\"} 1\n"
        "d_seconds_bucket{method=\"GET\",le=\"0.1\"} 1\n"
        "d_seconds_bucket{method=\"GET\",le=\"0.25\"} 2\n"
        "d_seconds_bucket{method=\"GET\",le=\"0.5\"} 2\n"
        "d_seconds_bucket{method=\"GET\",le=\"1\"} 2\n"
        "d_seconds_bucket{method=\"GET\",le=\"2.5\"} 2\n"
        "d_seconds_bucket{method=\"GET\",le=\"5\"} 2\n"
        "d_seconds_bucket{method=\"GET\",le=\"10\"} 2\n"
        "d_seconds_bucket{method=\"GET\",le=\"+Inf\"} 3\n"
        "d_seconds_sum{method=\"GET\"} 42.203\n"
        "d_seconds_count{method=\"GET\"} 3\n");
  CHECK(m.Get("d_seconds", {{"method", "GET"}}) == 3);
}

TEST_CASE("GaugeWithoutDescribeAndEscaping", "[metrics]") {
  Metrics m;
  m.Set("redispair_ready", {{"name", "a\"b\\c\nd"}}, 1);
  m.Set("redispair_ready", {{"name", "a\"b\\c\nd"}}, 0.5);
  m.Describe("multi", "gauge", "line one\nline \\two");
  m.Set("multi", {}, -3);
  CHECK(RenderWithoutProcess(m) ==
        "# HELP multi line one\\nline \\\\two\n"
        "# TYPE multi gauge\n"
        "multi -3\n"
        "# TYPE redispair_ready gauge\n"
        "redispair_ready{name=\"a\\\"b\\\\c\\nd\"} 0.5\n");
}

TEST_CASE("UpdatesOfTheWrongKindAreIgnored", "[metrics]") {
  Metrics m;
  m.Inc("c_total");
  m.Observe("c_total", {}, 1);
  m.Describe("h", "histogram", "h");
  m.Inc("h");
  CHECK(m.Get("c_total") == 1);
  CHECK(m.Get("h") == 0);
}

TEST_CASE("ProcessMetricsAreAlwaysExported", "[metrics]") {
  Metrics m;
  const std::string text = m.Render();
  CHECK(text.find("# TYPE process_resident_memory_bytes gauge\n") != std::string::npos);
  CHECK(text.find("# TYPE process_start_time_seconds gauge\n") != std::string::npos);
  CHECK(text.find("process_resident_memory_bytes 0\n") == std::string::npos);
  const size_t start = text.find("\nprocess_start_time_seconds ");
  REQUIRE(start != std::string::npos);
  const double started = std::stod(text.substr(start + 28));
  CHECK(started > 1.6e9);  // after 2020
}

TEST_CASE("ValuesFormatLikePrometheus", "[metrics]") {
  CHECK(FormatMetricValue(0) == "0");
  CHECK(FormatMetricValue(12345678) == "12345678");
  CHECK(FormatMetricValue(0.1) == "0.1");
  CHECK(FormatMetricValue(1.0 / 0.0) == "+Inf");
  CHECK(FormatMetricValue(-1.0 / 0.0) == "-Inf");
  CHECK(FormatMetricValue(0.0 / 0.0) == "NaN");
}

TEST_CASE("ConcurrentIncrementsAreNotLost", "[metrics]") {
  Metrics m;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        m.Inc("n_total", {{"k", "v"}});
        m.Observe("h", {}, 0.01);
        if (i % 100 == 0) m.Render();
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(m.Get("n_total", {{"k", "v"}}) == 4000);
  CHECK(m.Get("h") == 4000);
}

}  // namespace
}  // namespace redispair
