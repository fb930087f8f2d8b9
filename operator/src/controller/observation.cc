#include "controller/observation.h"

#include <charconv>

#include "util/json_fields.h"

namespace redispair {
namespace {

using nlohmann::json;

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
  const json& meta = Field(pod, "metadata");
  const json& spec = Field(pod, "spec");
  const json& status = Field(pod, "status");
  o.name = StringField(meta, "name");
  o.terminating = meta.is_object() && meta.contains("deletionTimestamp") &&
                  !meta["deletionTimestamp"].is_null();
  o.node = StringField(spec, "nodeName");
  o.phase = StringField(status, "phase");
  o.host_ip = StringField(status, "hostIP");
  o.pod_ip = StringField(status, "podIP");
  const json& conditions = Field(status, "conditions");
  if (conditions.is_array()) {
    for (const json& c : conditions) {
      const std::string type = StringField(c, "type");
      const std::string value = StringField(c, "status");
      if (type == "Ready") o.ready = value == "True";
      if (type == "PodScheduled" && value == "False") {
        o.waiting_reason = StringField(c, "reason");
        o.waiting_message = StringField(c, "message");
      }
    }
  }
  const json& containers = Field(status, "containerStatuses");
  if (o.waiting_reason.empty() && containers.is_array()) {
    for (const json& cs : containers) {
      const json& waiting = Field(Field(cs, "state"), "waiting");
      if (waiting.is_object()) {
        o.waiting_reason = StringField(waiting, "reason");
        o.waiting_message = StringField(waiting, "message");
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
    const std::string created = StringField(Field(pod, "metadata"), "creationTimestamp");
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
