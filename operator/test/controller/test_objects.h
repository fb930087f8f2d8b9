// Shared fixtures for controller tests.
#pragma once

#include "controller/redispair.h"

namespace redispair::testing {

inline RedisPair DefaultPair() {
  nlohmann::json obj = {
      {"apiVersion", "redispair.io/v1alpha1"},
      {"kind", "RedisPair"},
      {"metadata",
       {{"name", "redis"}, {"namespace", "redis"}, {"uid", "uid-1"}, {"generation", 3}}},
      {"spec", nlohmann::json::object()}};
  return ParseRedisPair(obj).value();
}

}  // namespace redispair::testing
