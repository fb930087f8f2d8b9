#include "controller/observation.h"

#include <charconv>

namespace redispair {
namespace {

using nlohmann::json;

std::string Str(const json& obj, const char* key) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_string()) {
    return obj[key].get<std::string>();
  }
  return "";
}

const json& Sub(const json& obj, const char* key) {
  static const json kNull;
  return obj.is_object() && obj.contains(key) ? obj[key] : kNull;
}

std::optional<int64_t> ToInt(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return v;
}

}  // namespace

PodObservation ObservePod(const json& pod) {
  PodObservation o;
  if (!pod.is_object()) return o;
  o.exists = true;
  const json& meta = Sub(pod, "metadata");
  const json& spec = Sub(pod, "spec");
  const json& status = Sub(pod, "status");
  o.name = Str(meta, "name");
  o.terminating = meta.is_object() && meta.contains("deletionTimestamp") &&
                  !meta["deletionTimestamp"].is_null();
  o.node = Str(spec, "nodeName");
  o.phase = Str(status, "phase");
  o.host_ip = Str(status, "hostIP");
  o.pod_ip = Str(status, "podIP");
  const json& conditions = Sub(status, "conditions");
  if (conditions.is_array()) {
    for (const json& c : conditions) {
      const std::string type = Str(c, "type");
      const std::string value = Str(c, "status");
      if (type == "Ready") o.ready = value == "True";
      if (type == "PodScheduled" && value == "False") {
        o.waiting_reason = Str(c, "reason");
        o.waiting_message = Str(c, "message");
      }
    }
  }
  const json& containers = Sub(status, "containerStatuses");
  if (o.waiting_reason.empty() && containers.is_array()) {
    for (const json& cs : containers) {
      const json& waiting = Sub(Sub(cs, "state"), "waiting");
      if (waiting.is_object()) {
        o.waiting_reason = Str(waiting, "reason");
        o.waiting_message = Str(waiting, "message");
        break;
      }
    }
  }
  if (o.terminating) o.ready = false;
  return o;
}

PodObservation PickRolePod(const std::vector<json>& pods) {
  PodObservation best;
  std::string best_created;
  auto rank = [](const PodObservation& p) {
    if (!p.exists) return 0;
    if (p.terminating) return 1;
    if (p.ready) return 4;
    if (p.phase == "Running") return 3;
    return 2;
  };
  for (const json& pod : pods) {
    PodObservation o = ObservePod(pod);
    const std::string created = Str(Sub(pod, "metadata"), "creationTimestamp");
    const int r = rank(o), rb = rank(best);
    if (r > rb || (r == rb && created > best_created)) {
      best = std::move(o);
      best_created = created;
    }
  }
  return best;
}

ReplicationInfo ParseReplicationInfo(std::string_view text) {
  ReplicationInfo info;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (line.empty() || line[0] == '#' || colon == std::string_view::npos) continue;
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 1);
    if (key == "role") {
      info.role = std::string(value);
    } else if (key == "connected_slaves") {
      info.connected_slaves = static_cast<int>(ToInt(value).value_or(0));
    } else if (key == "master_repl_offset") {
      info.master_repl_offset = ToInt(value).value_or(0);
    } else if (key == "master_link_status") {
      info.master_link_status = std::string(value);
    } else if (key == "slave_repl_offset") {
      info.slave_repl_offset = ToInt(value);
    } else if (key == "slave0") {
      // ip=10.0.0.5,port=6379,state=online,offset=1234,lag=0
      const size_t pos = value.find("offset=");
      if (pos != std::string_view::npos) {
        std::string_view rest = value.substr(pos + 7);
        rest = rest.substr(0, rest.find(','));
        info.slave0_offset = ToInt(rest);
      }
    }
  }
  return info;
}

}  // namespace redispair
