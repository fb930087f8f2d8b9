// A KubeClient that keeps objects in memory and records every call, for tests of the reconciler,
// the controller and the event recorder. It answers as the API server would (NotFound,
// AlreadyExists), and fails a call on request: fail["apply statefulsets"] =
// Status::InvalidArgument(...), or for one object only: fail["apply services redis/redis-master"].
// Watches block until the test pushes an event (PushWatchEvent) or shuts the fake down (Shutdown),
// as an API server that stays quiet would.
//
// Thread-safety: its calls may come from any thread (a running Controller). The public fields are
// for a test to set up and read while no other thread calls the fake; the accessors lock.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
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
  // Called at the start of every Apply, outside the fake's lock, from the calling thread: a test
  // may block in it to see which applies overlap.
  std::function<void(const kube::Resource&)> before_apply;

  // The calls with this verb ("apply", ...), in order.
  std::vector<Call> CallsOf(const std::string& verb) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Call> out;
    for (const Call& c : calls) {
      if (c.verb == verb) out.push_back(c);
    }
    return out;
  }
  // Calls that write: everything but get, list and watch.
  size_t Writes() const {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const Call& c : calls) {
      n += c.verb != "get" && c.verb != "list" && c.verb != "watch" ? 1 : 0;
    }
    return n;
  }

  // The stored object, or null.
  nlohmann::json Object(const kube::Resource& resource, const std::string& key) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto r = objects.find(resource);
    if (r == objects.end()) return nullptr;
    auto it = r->second.find(key);
    return it == r->second.end() ? nlohmann::json() : it->second;
  }
  // How many pushed watch events of `resource` its watch handler has returned from.
  size_t WatchEventsHandled(const kube::Resource& resource) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = handled_.find(resource);
    return it == handled_.end() ? 0 : it->second;
  }

  // Hands a watch event ("ADDED", "MODIFIED", "DELETED") of `resource` to its running watch, or
  // to the next one.
  void PushWatchEvent(const kube::Resource& resource, const std::string& type,
                      const nlohmann::json& object) {
    std::lock_guard<std::mutex> lock(mu_);
    watch_lines_[resource].push_back(nlohmann::json{{"type", type}, {"object", object}}.dump());
    watch_cv_.notify_all();
  }
  // Ends every watch, now and later, with Cancelled (as ApiClient::Shutdown does).
  void Shutdown() {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    watch_cv_.notify_all();
  }

  StatusOr<nlohmann::json> Get(const kube::Resource& resource, std::string_view ns,
                               std::string_view name) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = Key(resource, ns, name);
    if (Status s = Record("get", resource, key, {}); !s.ok()) return s;
    auto it = objects[resource].find(key);
    if (it == objects[resource].end()) return Status::NotFound(key + " not found");
    return it->second;
  }

  StatusOr<nlohmann::json> List(const kube::Resource& resource, std::string_view,
                                const kube::ListOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (Status s = Record("list", resource, "", {}); !s.ok()) return s;
    nlohmann::json items = nlohmann::json::array();
    for (const auto& [key, object] : objects[resource]) items.push_back(object);
    return nlohmann::json{{"items", items}, {"metadata", {{"resourceVersion", "1"}}}};
  }

  StatusOr<nlohmann::json> Create(const kube::Resource& resource,
                                  const nlohmann::json& object) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = KeyOf(resource, object);
    if (Status s = Record("create", resource, key, object); !s.ok()) return s;
    if (objects[resource].count(key) > 0) return Status::AlreadyExists(key + " already exists");
    return Store(resource, key, WithStringDataEncoded(object));
  }

  StatusOr<nlohmann::json> Apply(const kube::Resource& resource, const nlohmann::json& object,
                                 const kube::ApplyOptions&) override {
    if (before_apply) before_apply(resource);
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = KeyOf(resource, object);
    if (Status s = Record("apply", resource, key, object); !s.ok()) return s;
    return Store(resource, key, object);
  }

  StatusOr<nlohmann::json> ApplyStatus(const kube::Resource& resource, const nlohmann::json& object,
                                       const kube::ApplyOptions&) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = KeyOf(resource, object);
    if (Status s = Record("apply status", resource, key, object); !s.ok()) return s;
    auto it = objects[resource].find(key);
    if (it == objects[resource].end()) return Status::NotFound(key + " not found");
    it->second["status"] = object["status"];
    it->second["metadata"]["resourceVersion"] = std::to_string(++version_);
    return it->second;
  }

  Status Delete(const kube::Resource& resource, std::string_view ns, std::string_view name,
                const kube::DeleteOptions& options) override {
    std::lock_guard<std::mutex> lock(mu_);
    const std::string key = Key(resource, ns, name);
    if (Status s = Record("delete", resource, key, {}, options); !s.ok()) return s;
    if (objects[resource].erase(key) == 0) return Status::NotFound(key + " not found");
    return Status::Ok();
  }

  Status Watch(const kube::Resource& resource, std::string_view, const kube::WatchOptions&,
               const kube::WatchLineHandler& on_line) override {
    std::unique_lock<std::mutex> lock(mu_);
    calls.push_back({"watch", resource, "", {}, {}});
    for (;;) {
      watch_cv_.wait(lock, [&] { return shut_down_ || !watch_lines_[resource].empty(); });
      if (shut_down_) return Status::Cancelled("the fake was shut down");
      const std::string line = watch_lines_[resource].front();
      watch_lines_[resource].pop_front();
      lock.unlock();
      const bool more = on_line(line);
      lock.lock();
      ++handled_[resource];
      if (!more) return Status::Cancelled("the handler stopped the watch");
    }
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
    auto it = fail.find(verb + " " + resource.plural + " " + key);
    if (it == fail.end()) it = fail.find(verb + " " + resource.plural);
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
  mutable std::mutex mu_;
  std::condition_variable watch_cv_;
  std::map<kube::Resource, std::deque<std::string>> watch_lines_;  // guarded by mu_
  std::map<kube::Resource, size_t> handled_;                       // guarded by mu_
  bool shut_down_ = false;                                         // guarded by mu_
};

}  // namespace redispair::testing
