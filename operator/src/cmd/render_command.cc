#include "cmd/render_command.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "cmd/yaml_json.h"
#include "controller/redis_config.h"
#include "controller/render.h"

namespace redispair {
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

int RunRenderCommand(int argc, char** argv) {
  std::string file = "-";
  std::string role;
  bool launcher = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if ((arg == "-f" || arg == "--filename") && i + 1 < argc) {
      file = argv[++i];
    } else if (arg == "--redis-config" && i + 1 < argc) {
      role = argv[++i];
    } else if (arg == "--launcher") {
      launcher = true;
    } else {
      std::fprintf(stderr, "redispair render: unexpected argument %s\n\n%s", arg.c_str(), kUsage);
      return 2;
    }
  }
  if (!role.empty() && role != "master" && role != "replica") {
    std::fprintf(stderr, "redispair render: --redis-config takes master or replica, not %s\n",
                 role.c_str());
    return 2;
  }
  if (launcher) {
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
    if (doc.value("kind", "") != kKind) continue;
    auto& meta = doc["metadata"];
    if (!meta.contains("namespace")) meta["namespace"] = "default";
    if (!meta.contains("uid")) meta["uid"] = "00000000-0000-0000-0000-000000000000";
    auto rp = ParseRedisPair(doc);
    if (!rp.ok()) {
      std::fprintf(stderr, "redispair render: %s: %s\n", file.c_str(),
                   rp.status().message().c_str());
      return 1;
    }
    if (!role.empty()) {
      std::cout << RenderRedisConfig(
          ConfigParamsFor(*rp, role == "master" ? RedisRole::kMaster : RedisRole::kReplica));
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

}  // namespace redispair
