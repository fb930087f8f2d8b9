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

// The value of `name` in a "a=1,b=2" list.
std::optional<std::string_view> ListValue(std::string_view list, std::string_view name) {
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    if (item.size() > name.size() && item.starts_with(name) && item[name.size()] == '=') {
      return item.substr(name.size() + 1);
    }
  }
  return std::nullopt;
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
    const bool one = value == "1";
    if (key == "role") {
      info.role = std::string(value);
    } else if (key == "connected_slaves") {
      info.connected_slaves = static_cast<int>(ToInt(value).value_or(0));
    } else if (key == "master_replid") {
      info.master_replid = std::string(value);
    } else if (key == "master_repl_offset") {
      info.master_repl_offset = ToInt(value).value_or(0);
    } else if (key == "master_host") {
      info.master_host = std::string(value);
    } else if (key == "master_port") {
      info.master_port = static_cast<int>(ToInt(value).value_or(0));
    } else if (key == "master_link_status") {
      info.master_link_status = std::string(value);
    } else if (key == "master_sync_in_progress") {
      info.master_sync_in_progress = one;
    } else if (key == "slave_repl_offset") {
      info.slave_repl_offset = ToInt(value);
    } else if (key == "loading") {
      info.loading = one;
    } else if (key == "aof_enabled") {
      info.aof_enabled = one;
    } else if (key == "aof_rewrite_in_progress") {
      info.aof_rewrite_in_progress = one;
    } else if (key == "aof_rewrite_scheduled") {
      info.aof_rewrite_scheduled = one;
    } else if (key == "aof_last_bgrewrite_status") {
      info.aof_last_bgrewrite_status = std::string(value);
    } else if (key == "slave0") {
      // ip=10.0.0.5,port=6379,state=online,offset=1234,lag=0
      if (std::optional<std::string_view> offset = ListValue(value, "offset")) {
        info.slave0_offset = ToInt(*offset);
      }
    } else if (key.starts_with("db") && ToInt(key.substr(2))) {
      // db0:keys=10,expires=0,avg_ttl=0
      if (std::optional<std::string_view> keys = ListValue(value, "keys")) {
        info.keys += ToInt(*keys).value_or(0);
      }
    }
  }
  return info;
}

}  // namespace redispair
