// Reading fields of JSON objects that come from outside (the API server, a file) without
// exceptions. nlohmann's value() and at() throw when a field has another type than expected, and no
// exception may leave the module that meets it; these return an empty value instead.
//
// Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace redispair {

// object[key], or a null value when `object` is not an object or has no such key.
const nlohmann::json& Field(const nlohmann::json& object, std::string_view key);

// object[key] as a string, or "" when it is absent or not a string.
std::string StringField(const nlohmann::json& object, std::string_view key);

}  // namespace redispair
