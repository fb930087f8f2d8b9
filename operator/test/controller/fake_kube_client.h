// A KubeClient that keeps objects in memory and records every call, for tests of the reconciler
// and the controller. It answers as the API server would (NotFound, AlreadyExists), and fails a
// call on request: fail["apply statefulsets"] = Status::InvalidArgument(...).
//
// Not thread-safe: one test thread drives it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kube/client.h"
#include "util/json_fields.h"

namespace redispair::testing {

class FakeKubeClient : public kube::KubeClient {
 public:
  struct Call {
    std::string verb;  // "get", "list", "create", "apply", "apply status", "delete"
    kube::Resource resource;
    std::string key;  // "namespace/name", or "name" when cluster-scoped
    nlohmann::json body;
    kube::DeleteOptions delete_options{};
  };

  // Stored objects, by resource and key.
  std::map<kube::Resource, std::map<std::string, nlohmann::json>> objects;
  // Calls to fail, by "<verb> <plural>", and the error they fail with.
  std::map<std::string, Status> fail;
  std::vector<Call> calls;

  // The calls with this verb ("apply", ...), in order.
  std::vector<Call> CallsOf(const std::string& verb) const {
    std::vector<Call> out;
    for (const Call& c : calls) {
      if (c.verb == verb) out.push_back(c);
    }
    return out;
  }
  // Calls that write: everything but get and list.
  size_t Writes() const {
    size_t n = 0;
    for (const Call& c : calls) n += c.verb != "get" && c.verb != "list" ? 1 : 0;
    return n;
  }

  StatusOr<nlohmann::json> Get(const kube::Resource& resource, std::string_view ns,
                               std::string_view name) override {
    const std::string key = Key(resource, ns, name);
    if (Status s = Record("get", resource, key, {}); !s.ok()) return s;
    auto it = objects[resource].find(key);
    if (it == objects[resource].end()) return Status::NotFound(key + " not found");
    return it->second;
  }

  StatusOr<nlohmann::json> List(const kube::Resource& resource, std::string_view,
                                const kube::ListOptions&) override {
    if (Status s = Record("list", resource, "", {}); !s.ok()) return s;
    nlohmann::json items = nlohmann::json::array();
    for (const auto& [key, object] : objects[resource]) items.push_back(object);
    return nlohmann::json{{"items", items}, {"metadata", {{"resourceVersion", "1"}}}};
  }

  StatusOr<nlohmann::json> Create(const kube::Resource& resource,
                                  const nlohmann::json& object) override {
    const std::string key = KeyOf(resource, object);
    if (Status s = Record("create", resource, key, object); !s.ok()) return s;
    if (objects[resource].count(key) > 0) return Status::AlreadyExists(key + " already exists");
    return Store(resource, key, WithStringDataEncoded(object));
  }

  StatusOr<nlohmann::json> Apply(const kube::Resource& resource, const nlohmann::json& object,
                                 const kube::ApplyOptions&) override {
    const std::string key = KeyOf(resource, object);
    if (Status s = Record("apply", resource, key, object); !s.ok()) return s;
    return Store(resource, key, object);
  }

  StatusOr<nlohmann::json> ApplyStatus(const kube::Resource& resource, const nlohmann::json& object,
                                       const kube::ApplyOptions&) override {
    const std::string key = KeyOf(resource, object);
    if (Status s = Record("apply status", resource, key, object); !s.ok()) return s;
    auto it = objects[resource].find(key);
    if (it == objects[resource].end()) return Status::NotFound(key + " not found");
    it->second["status"] = object["status"];
    return it->second;
  }

  Status Delete(const kube::Resource& resource, std::string_view ns, std::string_view name,
                const kube::DeleteOptions& options) override {
    const std::string key = Key(resource, ns, name);
    if (Status s = Record("delete", resource, key, {}, options); !s.ok()) return s;
    if (objects[resource].erase(key) == 0) return Status::NotFound(key + " not found");
    return Status::Ok();
  }

  Status Watch(const kube::Resource&, std::string_view, const kube::WatchOptions&,
               const kube::WatchLineHandler&) override {
    return Status::Unavailable("the fake does not watch");
  }

 private:
  // A Secret's stringData becomes base64 data, as the API server stores it.
  static nlohmann::json WithStringDataEncoded(nlohmann::json object) {
    if (!object.contains("stringData")) return object;
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (const auto& [k, v] : object["stringData"].items()) {
      const std::string in = v.get<std::string>();
      std::string out;
      for (size_t i = 0; i < in.size(); i += 3) {
        uint32_t n = static_cast<uint8_t>(in[i]) << 16;
        if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
        if (i + 2 < in.size()) n |= static_cast<uint8_t>(in[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < in.size() ? kAlphabet[n & 63] : '=';
      }
      object["data"][k] = out;
    }
    object.erase("stringData");
    return object;
  }

  static std::string Key(const kube::Resource& resource, std::string_view ns,
                         std::string_view name) {
    return resource.namespaced ? std::string(ns) + "/" + std::string(name) : std::string(name);
  }
  static std::string KeyOf(const kube::Resource& resource, const nlohmann::json& object) {
    const nlohmann::json& meta = Field(object, "metadata");
    return Key(resource, StringField(meta, "namespace"), StringField(meta, "name"));
  }

  Status Record(const std::string& verb, const kube::Resource& resource, const std::string& key,
                const nlohmann::json& body, const kube::DeleteOptions& options = {}) {
    calls.push_back({verb, resource, key, body, options});
    auto it = fail.find(verb + " " + resource.plural);
    return it == fail.end() ? Status::Ok() : it->second;
  }

  // As the API server does: stringData is written into data, base64-encoded.
  static std::string Base64(const std::string& in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < in.size(); i += 3) {
      const size_t left = in.size() - i;
      uint32_t n = static_cast<uint32_t>(static_cast<uint8_t>(in[i])) << 16;
      if (left > 1) n |= static_cast<uint32_t>(static_cast<uint8_t>(in[i + 1])) << 8;
      if (left > 2) n |= static_cast<uint8_t>(in[i + 2]);
      out += kAlphabet[(n >> 18) & 63];
      out += kAlphabet[(n >> 12) & 63];
      out += left > 1 ? kAlphabet[(n >> 6) & 63] : '=';
      out += left > 2 ? kAlphabet[n & 63] : '=';
    }
    return out;
  }

  nlohmann::json Store(const kube::Resource& resource, const std::string& key,
                       nlohmann::json object) {
    object["metadata"]["resourceVersion"] = std::to_string(++version_);
    if (object.contains("stringData")) {
      for (const auto& [k, v] : object["stringData"].items()) {
        object["data"][k] = Base64(v.get<std::string>());
      }
      object.erase("stringData");
    }
    objects[resource][key] = object;
    return object;
  }

  int version_ = 0;
};

}  // namespace redispair::testing
