// Kubernetes resource quantities ("64Mi", "50m", "1e3", "1.5Gi"), parsed just far enough to tell
// whether two spellings are the same amount: the API server may store "1Gi" for "1024Mi", or
// "1" for a JSON number 1, and the operator must not mistake that for drift.
#pragma once

#include <optional>
#include <string_view>

namespace redispair {

// The quantity's value in units of 10^-9 (so "1m" = 1'000'000), scaled as a long double; nullopt
// when `text` is not a quantity. Precision is ample for comparing spellings of the same value.
std::optional<long double> ParseQuantity(std::string_view text);

// True when both are quantities of equal value.
bool SameQuantity(std::string_view a, std::string_view b);

}  // namespace redispair
