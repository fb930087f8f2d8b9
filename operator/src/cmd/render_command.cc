#include "cmd/render_command.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>

#include "cmd/flags.h"
#include "cmd/yaml_json.h"
#include "controller/launcher.h"
#include "controller/names.h"
#include "controller/redis_config.h"
#include "controller/render.h"
#include "util/json_fields.h"

namespace redispair::cmd {
namespace {

constexpr const char* kUsage =
    R"(Usage: redispair render [-f FILE] [--redis-config ROLE | --launcher]

Reads a RedisPair (YAML or JSON; FILE, or stdin when FILE is - or absent) and prints:
  (default)             the children the operator applies, as a JSON list
  --redis-config ROLE   the redis.conf the ROLE (master|replica) starts with, minus auth lines
  --launcher            the container's launcher script (args[2]), which adds the auth lines
Missing metadata.uid/namespace are filled with placeholders.
)";

}  // namespace

StatusOr<RenderFlags> ParseRenderFlags(int argc, char** argv) {
  RenderFlags flags;
  FlagSet set;
  set.String({"-f", "--filename"}, &flags.file, /*allow_empty=*/false);
  set.String({"--redis-config"}, &flags.redis_config, /*allow_empty=*/false);
  set.Bool({"--launcher"}, &flags.launcher);
  if (Status s = set.Parse(argc, argv); !s.ok()) return s;
  flags.help = set.help();
  if (!flags.redis_config.empty() && flags.redis_config != names::kRoleMaster &&
      flags.redis_config != names::kRoleReplica) {
    return Status::InvalidArgument("--redis-config takes master or replica, not " +
                                   flags.redis_config);
  }
  return flags;
}

int RunRenderCommand(int argc, char** argv) {
  StatusOr<RenderFlags> parsed = ParseRenderFlags(argc, argv);
  if (std::optional<int> exit = ExitForUsage(parsed, "redispair render", kUsage)) return *exit;
  const std::string& file = parsed->file;
  const std::string& role = parsed->redis_config;
  if (parsed->launcher) {
    std::cout << RedisLauncherArgs()[2];
    return 0;
  }
  std::stringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) {
      std::fprintf(stderr, "redispair render: cannot read %s: %s\n", file.c_str(),
                   std::strerror(errno));
      return 1;
    }
    text << in.rdbuf();
  }
  auto docs = YamlDocumentsToJson(text.str());
  if (!docs.ok()) {
    std::fprintf(stderr, "redispair render: %s: %s\n", file.c_str(),
                 docs.status().message().c_str());
    return 1;
  }
  for (nlohmann::json& doc : *docs) {
    if (StringField(doc, "kind") != kKind) continue;
    nlohmann::json& meta = doc["metadata"];
    if (meta.is_null() || meta.is_object()) {  // anything else, ParseRedisPair refuses
      if (!meta.contains("namespace")) meta["namespace"] = "default";
      if (!meta.contains("uid")) meta["uid"] = "00000000-0000-0000-0000-000000000000";
    }
    auto rp = ParseRedisPair(doc);
    if (!rp.ok()) {
      std::fprintf(stderr, "redispair render: %s: %s\n", file.c_str(),
                   rp.status().message().c_str());
      return 1;
    }
    if (!role.empty()) {
      std::cout << RenderRedisConfig(ConfigParamsFor(
          *rp, role == names::kRoleMaster ? RedisRole::kMaster : RedisRole::kReplica));
      return 0;
    }
    nlohmann::json out = nlohmann::json::array();
    for (const ChildObject& c : DesiredChildren(*rp, {})) out.push_back(c.object);
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::fprintf(stderr, "redispair render: %s holds no %s\n", file.c_str(), kKind);
  return 1;
}

}  // namespace redispair::cmd
