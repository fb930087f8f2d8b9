#include "controller/quantity.h"

#include <cctype>
#include <cmath>
#include <string>

namespace redispair {
namespace {

struct Suffix {
  std::string_view text;
  long double multiplier;
};

// Binary SI, decimal SI, and the empty suffix. Longest first so "Mi" wins over "M".
constexpr Suffix kSuffixes[] = {
    {"Ki", 1024.0L},
    {"Mi", 1024.0L * 1024},
    {"Gi", 1024.0L * 1024 * 1024},
    {"Ti", 1024.0L * 1024 * 1024 * 1024},
    {"Pi", 1024.0L * 1024 * 1024 * 1024 * 1024},
    {"Ei", 1024.0L * 1024 * 1024 * 1024 * 1024 * 1024},
    {"n", 1e-9L},
    {"u", 1e-6L},
    {"m", 1e-3L},
    {"k", 1e3L},
    {"M", 1e6L},
    {"G", 1e9L},
    {"T", 1e12L},
    {"P", 1e15L},
    {"E", 1e18L},
};

}  // namespace

std::optional<long double> ParseQuantity(std::string_view text) {
  if (text.empty()) return std::nullopt;
  size_t i = 0;
  if (text[i] == '+' || text[i] == '-') ++i;
  bool seen_digit = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
    seen_digit |= std::isdigit(static_cast<unsigned char>(text[i])) != 0;
    ++i;
  }
  if (!seen_digit) return std::nullopt;
  const std::string number(text.substr(0, i));
  std::string_view rest = text.substr(i);
  long double multiplier = 1.0L;
  if (!rest.empty()) {
    if ((rest[0] == 'e' || rest[0] == 'E') && rest.size() > 1) {
      // Decimal exponent: "1e3", "1E-3".
      size_t j = 1;
      if (rest[j] == '+' || rest[j] == '-') ++j;
      if (j >= rest.size()) return std::nullopt;
      for (size_t k = j; k < rest.size(); ++k) {
        if (!std::isdigit(static_cast<unsigned char>(rest[k]))) return std::nullopt;
      }
      multiplier = std::pow(10.0L, std::stold(std::string(rest.substr(1))));
    } else {
      bool matched = false;
      for (const Suffix& s : kSuffixes) {
        if (rest == s.text) {
          multiplier = s.multiplier;
          matched = true;
          break;
        }
      }
      if (!matched) return std::nullopt;
    }
  }
  long double value = 0;
  try {
    value = std::stold(number);
  } catch (...) {  // std::stold throws on "." alone; that is just "not a quantity"
    return std::nullopt;
  }
  return value * multiplier * 1e9L;
}

bool SameQuantity(std::string_view a, std::string_view b) {
  const auto qa = ParseQuantity(a);
  const auto qb = ParseQuantity(b);
  if (!qa || !qb) return false;
  const long double diff = std::fabs(*qa - *qb);
  return diff <= 1e-6L * std::max(std::fabs(*qa), std::fabs(*qb));
}

}  // namespace redispair
