#include "kube/config.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <catch2/catch.hpp>

namespace redispair::kube {
namespace {

// An in-memory file system for the FileReader seam.
struct FakeFiles {
  std::map<std::string, std::string> files;
  std::vector<std::string> reads;

  FileReader Reader() {
    return [this](const std::string& path) -> StatusOr<std::string> {
      reads.push_back(path);
      auto it = files.find(path);
      if (it == files.end()) return Status::NotFound("read " + path + ": No such file");
      return it->second;
    };
  }
};

GetEnv FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// base64 of "CA-PEM", "CERT-PEM", "KEY-PEM".
constexpr char kCaData[] = "Q0EtUEVN";
constexpr char kCertData[] = "Q0VSVC1QRU0=";
constexpr char kKeyData[] = "S0VZLVBFTQ==";

const std::string kTwoContexts = R"(
apiVersion: v1
kind: Config
current-context: minikube
clusters:
- name: minikube
  cluster:
    server: https://192.168.49.2:8443
    certificate-authority: ca.crt
- name: prod
  cluster:
    server: https://[fd00::10]:6443
    certificate-authority-data: )" +
                                 std::string(kCaData) + R"(
contexts:
- name: minikube
  context:
    cluster: minikube
    user: minikube
- name: prod
  context:
    cluster: prod
    user: robot
    namespace: redis
users:
- name: minikube
  user:
    client-certificate: /abs/profiles/minikube/client.crt
    client-key: profiles/minikube/client.key
- name: robot
  user:
    client-certificate-data: )" + std::string(kCertData) +
                                 R"(
    client-key-data: )" + std::string(kKeyData) +
                                 R"(
    token: abc.def
)";

TEST_CASE("KubeconfigCurrentContextWithRelativeFilePaths", "[config]") {
  FakeFiles fs;
  fs.files["/home/u/.kube/ca.crt"] = "CA-FILE";
  fs.files["/abs/profiles/minikube/client.crt"] = "CERT-FILE";
  fs.files["/home/u/.kube/profiles/minikube/client.key"] = "KEY-FILE";
  StatusOr<ClusterConfig> c =
      ParseKubeconfig(kTwoContexts, "/home/u/.kube/config", "/home/u/.kube", "", fs.Reader());
  REQUIRE(c.ok());
  CHECK(c->server == "https://192.168.49.2:8443");
  CHECK(c->ca_pem == "CA-FILE");
  CHECK(c->client_cert_pem == "CERT-FILE");
  CHECK(c->client_key_pem == "KEY-FILE");
  CHECK(c->bearer_token.empty());
  CHECK(c->default_namespace == "default");
  CHECK_FALSE(c->insecure_skip_tls_verify);
}

TEST_CASE("KubeconfigExplicitContextWithBase64DataTokenAndNamespace", "[config]") {
  FakeFiles fs;
  StatusOr<ClusterConfig> c = ParseKubeconfig(kTwoContexts, "/k/config", "/k", "prod", fs.Reader());
  REQUIRE(c.ok());
  CHECK(c->server == "https://[fd00::10]:6443");
  CHECK(c->ca_pem == "CA-PEM");
  CHECK(c->client_cert_pem == "CERT-PEM");
  CHECK(c->client_key_pem == "KEY-PEM");
  CHECK(c->bearer_token == "abc.def");
  CHECK(c->default_namespace == "redis");
  CHECK(fs.reads.empty());  // *-data needs no files
}

TEST_CASE("KubeconfigMissingContextNamesContextAndFile", "[config]") {
  FakeFiles fs;
  StatusOr<ClusterConfig> c =
      ParseKubeconfig(kTwoContexts, "/root/.kube/config", "/root/.kube", "foo", fs.Reader());
  REQUIRE_FALSE(c.ok());
  CHECK(c.status().IsNotFound());
  CHECK(c.status().message() == "context \"foo\" not found in /root/.kube/config");
}

TEST_CASE("KubeconfigMissingReferencedFileNamesTheField", "[config]") {
  FakeFiles fs;  // ca.crt does not exist
  StatusOr<ClusterConfig> c =
      ParseKubeconfig(kTwoContexts, "/home/u/.kube/config", "/home/u/.kube", "", fs.Reader());
  REQUIRE_FALSE(c.ok());
  CHECK_THAT(c.status().message(),
             Catch::StartsWith("cluster \"minikube\" in /home/u/.kube/config: "
                               "certificate-authority: read /home/u/.kube/ca.crt"));
}

TEST_CASE("KubeconfigMissingClusterOrUserIsAnError", "[config]") {
  FakeFiles fs;
  const std::string yaml = R"(
current-context: c
contexts:
- name: c
  context: {cluster: nope, user: u}
)";
  StatusOr<ClusterConfig> c = ParseKubeconfig(yaml, "kc", "", "", fs.Reader());
  CHECK(c.status().message() == "cluster \"nope\" of context \"c\" not found in kc");

  const std::string no_user = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h:1"}}]
contexts: [{name: c, context: {cluster: k, user: ghost}}]
)";
  c = ParseKubeconfig(no_user, "kc", "", "", fs.Reader());
  CHECK(c.status().message() == "user \"ghost\" of context \"c\" not found in kc");
}

TEST_CASE("KubeconfigTokenFileAndInsecureSkipVerify", "[config]") {
  FakeFiles fs;
  fs.files["/etc/k/token"] = "tok\n";
  const std::string yaml = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://10.0.0.1:6443", insecure-skip-tls-verify: true}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {tokenFile: token}}]
)";
  StatusOr<ClusterConfig> c = ParseKubeconfig(yaml, "/etc/k/config", "/etc/k", "", fs.Reader());
  REQUIRE(c.ok());
  CHECK(c->insecure_skip_tls_verify);
  CHECK(c->token_file == "/etc/k/token");
  CHECK(c->bearer_token.empty());
}

TEST_CASE("KubeconfigRejectsUnsupportedAndMalformedInput", "[config]") {
  FakeFiles fs;
  const std::string exec_user = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h:1"}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
users: [{name: u, user: {exec: {command: aws}}}]
)";
  StatusOr<ClusterConfig> c = ParseKubeconfig(exec_user, "kc", "", "", fs.Reader());
  CHECK(c.status().code() == Status::Code::kInvalidArgument);
  CHECK_THAT(c.status().message(), Catch::Contains("exec"));

  c = ParseKubeconfig("clusters: [unclosed", "kc", "", "", fs.Reader());
  CHECK(c.status().code() == Status::Code::kInvalidArgument);
  CHECK_THAT(c.status().message(), Catch::StartsWith("kubeconfig kc: "));

  c = ParseKubeconfig("", "kc", "", "", fs.Reader());
  CHECK(c.status().code() == Status::Code::kInvalidArgument);

  c = ParseKubeconfig("contexts: []\n", "kc", "", "", fs.Reader());
  CHECK_THAT(c.status().message(), Catch::StartsWith("no current-context set in kc"));

  const std::string bad_data = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h:1", certificate-authority-data: "!!"}}]
contexts: [{name: c, context: {cluster: k}}]
)";
  c = ParseKubeconfig(bad_data, "kc", "", "", fs.Reader());
  CHECK_THAT(c.status().message(),
             Catch::Contains("certificate-authority-data is not valid base64"));
}

TEST_CASE("InClusterConfigBracketsIpv6HostAndReadsServiceAccount", "[config]") {
  FakeFiles fs;
  const std::string dir = kServiceAccountDir;
  fs.files[dir + "/token"] = "sa-token";
  fs.files[dir + "/ca.crt"] = "SA-CA";
  fs.files[dir + "/namespace"] = "redis\n";
  StatusOr<ClusterConfig> c = InClusterConfig(
      FakeEnv({{"KUBERNETES_SERVICE_HOST", "fd00:10:96::1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
      fs.Reader());
  REQUIRE(c.ok());
  CHECK(c->server == "https://[fd00:10:96::1]:443");
  CHECK(c->token_file == dir + "/token");
  CHECK(c->ca_pem == "SA-CA");
  CHECK(c->default_namespace == "redis");

  c = InClusterConfig(FakeEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                               {"KUBERNETES_SERVICE_PORT", "443"},
                               {"POD_NAMESPACE", "other"}}),
                      fs.Reader());
  REQUIRE(c.ok());
  CHECK(c->server == "https://10.96.0.1:443");
  CHECK(c->default_namespace == "other");
}

TEST_CASE("InClusterConfigErrors", "[config]") {
  FakeFiles fs;
  CHECK(InClusterConfig(FakeEnv({}), fs.Reader()).status().IsNotFound());
  StatusOr<ClusterConfig> c = InClusterConfig(
      FakeEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}),
      fs.Reader());
  CHECK_THAT(c.status().message(), Catch::StartsWith("in-cluster service-account token"));
}

const std::string kMinimal = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://from-SOURCE:6443"}}]
contexts: [{name: c, context: {cluster: k}}, {name: other, context: {cluster: k, namespace: o}}]
)";

std::string MinimalFrom(const std::string& source) {
  std::string text = kMinimal;
  text.replace(text.find("SOURCE"), 6, source);
  return text;
}

TEST_CASE("LoadClusterConfigPrecedence", "[config]") {
  FakeFiles fs;
  fs.files["/flag/config"] = MinimalFrom("flag");
  fs.files["/env2/config"] = MinimalFrom("env2");
  fs.files["/home/u/.kube/config"] = MinimalFrom("home");
  fs.files[std::string(kServiceAccountDir) + "/token"] = "t";
  fs.files[std::string(kServiceAccountDir) + "/ca.crt"] = "ca";
  std::map<std::string, std::string> env = {{"KUBECONFIG", "/env1/missing:/env2/config"},
                                            {"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                            {"KUBERNETES_SERVICE_PORT", "443"},
                                            {"HOME", "/home/u"}};

  SECTION("the flag wins, with the context flag") {
    auto c = LoadClusterConfig("/flag/config", "other", FakeEnv(env), fs.Reader());
    REQUIRE(c.ok());
    CHECK(c->server == "https://from-flag:6443");
    CHECK(c->default_namespace == "o");
  }
  SECTION("then the first existing file of KUBECONFIG") {
    auto c = LoadClusterConfig("", "", FakeEnv(env), fs.Reader());
    REQUIRE(c.ok());
    CHECK(c->server == "https://from-env2:6443");
  }
  SECTION("then in-cluster") {
    env.erase("KUBECONFIG");
    auto c = LoadClusterConfig("", "", FakeEnv(env), fs.Reader());
    REQUIRE(c.ok());
    CHECK(c->server == "https://10.96.0.1:443");
  }
  SECTION("then ~/.kube/config") {
    env.erase("KUBECONFIG");
    env.erase("KUBERNETES_SERVICE_HOST");
    auto c = LoadClusterConfig("", "", FakeEnv(env), fs.Reader());
    REQUIRE(c.ok());
    CHECK(c->server == "https://from-home:6443");
  }
  SECTION("a missing --kubeconfig is an error, not a fallback") {
    auto c = LoadClusterConfig("/nope", "", FakeEnv(env), fs.Reader());
    CHECK(c.status().IsNotFound());
    CHECK_THAT(c.status().message(), Catch::StartsWith("--kubeconfig: read /nope"));
  }
  SECTION("nothing found lists what was tried") {
    env["KUBECONFIG"] = "/env1/missing";
    fs.files.erase("/home/u/.kube/config");
    auto c = LoadClusterConfig("", "", FakeEnv(env), fs.Reader());
    REQUIRE(c.status().IsNotFound());
    CHECK_THAT(c.status().message(), Catch::Contains("/env1/missing (does not exist)"));
    CHECK_THAT(c.status().message(), Catch::Contains("/home/u/.kube/config (does not exist)"));
  }
}

// The real environment and file system, through a temporary HOME and KUBECONFIG.
TEST_CASE("LoadClusterConfigFromRealEnvironmentAndFiles", "[config]") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("rp-config-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir / "home/.kube");
  std::ofstream(dir / "home/.kube/config") << MinimalFrom("home");
  std::ofstream(dir / "env.yaml") << MinimalFrom("env");

  auto save = [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  };
  const auto old_home = save("HOME");
  const auto old_kubeconfig = save("KUBECONFIG");
  const auto old_host = save("KUBERNETES_SERVICE_HOST");
  setenv("HOME", (dir / "home").c_str(), 1);
  unsetenv("KUBERNETES_SERVICE_HOST");

  setenv("KUBECONFIG", (dir / "missing.yaml").string().append(":").append(dir / "env.yaml").c_str(),
         1);
  auto c = LoadClusterConfig("", "");
  CHECK((c.ok() && c->server == "https://from-env:6443"));

  unsetenv("KUBECONFIG");
  c = LoadClusterConfig("", "");
  CHECK((c.ok() && c->server == "https://from-home:6443"));

  auto restore = [](const char* name, const std::optional<std::string>& v) {
    if (v) {
      setenv(name, v->c_str(), 1);
    } else {
      unsetenv(name);
    }
  };
  restore("HOME", old_home);
  restore("KUBECONFIG", old_kubeconfig);
  restore("KUBERNETES_SERVICE_HOST", old_host);
  std::filesystem::remove_all(dir);
}

TEST_CASE("ReadFileDistinguishesMissingFiles", "[config]") {
  CHECK(ReadFile("/nonexistent/file").status().IsNotFound());
  StatusOr<std::string> self = ReadFile("/proc/self/stat");
  CHECK(self.ok());
}

}  // namespace
}  // namespace redispair::kube
