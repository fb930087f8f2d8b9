// The flags of `redispair operator` and `redispair render`, as FlagSet reads them.
#include <catch2/catch.hpp>

#include "cmd/operator_command.h"
#include "cmd/render_command.h"
#include "test_argv.h"

namespace redispair::cmd {
namespace {

using testing::TestArgv;

StatusOr<OperatorFlags> Operator(std::vector<std::string> args) {
  TestArgv argv(std::move(args));
  return ParseOperatorFlags(argv.argc(), argv.argv());
}

StatusOr<RenderFlags> Render(std::vector<std::string> args) {
  TestArgv argv(std::move(args));
  return ParseRenderFlags(argv.argc(), argv.argv());
}

TEST_CASE("OperatorFlagsAsTheDeploymentAndTestsPassThem", "[flags]") {
  StatusOr<OperatorFlags> f =
      Operator({"--kubeconfig", "/k", "-n", "redis", "--ops-address=127.0.0.1", "--ops-port=0",
                "--workers", "4", "--log-level=debug"});
  REQUIRE(f.ok());
  CHECK(f->kubeconfig == "/k");
  CHECK(f->namespace_ == "redis");
  CHECK(f->ops_address == "127.0.0.1");
  CHECK(f->ops_port == 0);
  CHECK(f->workers == 4);
  CHECK(f->log_level == LogLevel::kDebug);
  CHECK_FALSE(f->all_namespaces);
}

TEST_CASE("OperatorWorkersAreBetweenOneAndTheMaximum", "[flags]") {
  CHECK(Operator({"--workers", std::to_string(kMaxWorkers)}).ok());
  CHECK_FALSE(Operator({"--workers", "0"}).ok());
  CHECK_FALSE(Operator({"--workers", std::to_string(kMaxWorkers + 1)}).ok());
  CHECK_FALSE(Operator({"--workers", "65535"}).ok());
  CHECK_FALSE(Operator({"--ops-port", "65536"}).ok());
}

TEST_CASE("OperatorLogLevelMustBeKnown", "[flags]") {
  StatusOr<OperatorFlags> f = Operator({"--log-level", "loud"});
  REQUIRE_FALSE(f.ok());
  CHECK(f.status().message() == "--log-level must be debug, info, warn or error, not \"loud\"");
}

TEST_CASE("RenderFlagsTakeBothFormsAndCheckTheRole", "[flags]") {
  StatusOr<RenderFlags> f = Render({"-f", "rp.yaml", "--redis-config=replica"});
  REQUIRE(f.ok());
  CHECK(f->file == "rp.yaml");
  CHECK(f->redis_config == "replica");
  CHECK(Render({"--filename=rp.yaml", "--launcher"})->launcher);
  CHECK(Render({})->file == "-");
  CHECK(Render({"--redis-config", "sentinel"}).status().message() ==
        "--redis-config takes master or replica, not sentinel");
  CHECK_FALSE(Render({"-f"}).ok());
  CHECK_FALSE(Render({"extra"}).ok());
}

}  // namespace
}  // namespace redispair::cmd
