#include "kube/config.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "kube/base64.h"

namespace redispair::kube {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

std::string ResolvePath(std::string_view base_dir, std::string_view path) {
  if (path.empty() || path.front() == '/' || base_dir.empty()) return std::string(path);
  std::string out(base_dir);
  if (out.back() != '/') out += '/';
  out += path;
  return out;
}

std::string DirName(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string Trim(std::string_view s) {
  const char* kSpace = " \t\r\n";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(kSpace);
  return std::string(s.substr(begin, end - begin + 1));
}

// The string value of `node[key]`, or "" if absent or null. Throws YAML::Exception if it is not
// a scalar (caught by ParseKubeconfig).
std::string Scalar(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  if (!value || value.IsNull()) return {};
  return value.as<std::string>();
}

// The `inner_key` map of the entry named `name` in the list `root[list_key]` (e.g. the `cluster`
// map of the clusters entry named "minikube"), or an undefined node.
YAML::Node FindNamed(const YAML::Node& root, const char* list_key, const char* inner_key,
                     std::string_view name) {
  const YAML::Node list = root[list_key];
  if (!list || !list.IsSequence()) return YAML::Node(YAML::NodeType::Undefined);
  for (const YAML::Node& entry : list) {
    if (entry.IsMap() && Scalar(entry, "name") == name) {
      const YAML::Node inner = entry[inner_key];
      // An entry with an empty body is valid (e.g. a user with no credentials).
      return inner ? inner : YAML::Node(YAML::NodeType::Map);
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Reads the PEM/text of a `<field>-data` (base64) or `<field>` (file path) pair; "" if neither
// is set. `where` names the entry for error messages.
StatusOr<std::string> DataOrFile(const YAML::Node& node, const std::string& field,
                                 std::string_view base_dir, const std::string& where,
                                 const FileReader& read) {
  const std::string data_field = field + "-data";
  const std::string data = Scalar(node, data_field.c_str());
  if (!data.empty()) {
    std::optional<std::string> decoded = Base64Decode(data);
    if (!decoded) {
      return Status::InvalidArgument(where + ": " + data_field + " is not valid base64");
    }
    return std::move(decoded).value();
  }
  const std::string path = Scalar(node, field.c_str());
  if (path.empty()) return std::string();
  StatusOr<std::string> content = read(ResolvePath(base_dir, path));
  if (!content.ok()) return content.status().WithContext(where + ": " + field);
  return content;
}

StatusOr<ClusterConfig> ParseKubeconfigOrThrow(std::string_view yaml_text,
                                               const std::string& source, std::string_view base_dir,
                                               std::string_view context_name,
                                               const FileReader& read) {
  const YAML::Node root = YAML::Load(std::string(yaml_text));
  if (!root.IsMap()) {
    return Status::InvalidArgument("kubeconfig " + source + " is empty or not a YAML mapping");
  }
  std::string context = std::string(context_name);
  if (context.empty()) context = Scalar(root, "current-context");
  if (context.empty()) {
    return Status::InvalidArgument(
        "no current-context set in " + source +
        " (set one with `kubectl config use-context` or pass --context)");
  }
  const YAML::Node ctx = FindNamed(root, "contexts", "context", context);
  if (!ctx) return Status::NotFound("context " + Quote(context) + " not found in " + source);

  const std::string cluster_name = Scalar(ctx, "cluster");
  const YAML::Node cluster = FindNamed(root, "clusters", "cluster", cluster_name);
  if (!cluster) {
    return Status::NotFound("cluster " + Quote(cluster_name) + " of context " + Quote(context) +
                            " not found in " + source);
  }
  const std::string cluster_where = "cluster " + Quote(cluster_name) + " in " + source;

  ClusterConfig config;
  config.server = Scalar(cluster, "server");
  if (config.server.empty()) return Status::InvalidArgument(cluster_where + " has no server");
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
    return Status::InvalidArgument(cluster_where + ": server " + Quote(config.server) +
                                   " must start with https:// or http://");
  }
  if (const YAML::Node insecure = cluster["insecure-skip-tls-verify"]; insecure) {
    config.insecure_skip_tls_verify = insecure.as<bool>();
  }
  StatusOr<std::string> ca =
      DataOrFile(cluster, "certificate-authority", base_dir, cluster_where, read);
  if (!ca.ok()) return ca.status();
  config.ca_pem = std::move(ca).value();
  if (config.insecure_skip_tls_verify && !config.ca_pem.empty()) {
    // client-go refuses this combination too: it is almost always a mistake.
    return Status::InvalidArgument(cluster_where +
                                   ": certificate-authority and insecure-skip-tls-verify "
                                   "cannot both be set");
  }

  const std::string user_name = Scalar(ctx, "user");
  if (!user_name.empty()) {
    const YAML::Node user = FindNamed(root, "users", "user", user_name);
    if (!user) {
      return Status::NotFound("user " + Quote(user_name) + " of context " + Quote(context) +
                              " not found in " + source);
    }
    const std::string user_where = "user " + Quote(user_name) + " in " + source;
    if (user["exec"] || user["auth-provider"]) {
      return Status::InvalidArgument(user_where +
                                     ": exec and auth-provider credentials are not supported; "
                                     "use a client certificate or a token");
    }
    StatusOr<std::string> cert = DataOrFile(user, "client-certificate", base_dir, user_where, read);
    if (!cert.ok()) return cert.status();
    StatusOr<std::string> key = DataOrFile(user, "client-key", base_dir, user_where, read);
    if (!key.ok()) return key.status();
    if (cert->empty() != key->empty()) {
      return Status::InvalidArgument(user_where +
                                     ": client-certificate and client-key must be set together");
    }
    config.client_cert_pem = std::move(cert).value();
    config.client_key_pem = std::move(key).value();
    config.bearer_token = Trim(Scalar(user, "token"));
    const std::string token_file = Scalar(user, "tokenFile");
    if (config.bearer_token.empty() && !token_file.empty()) {
      config.token_file = ResolvePath(base_dir, token_file);
      StatusOr<std::string> token = read(config.token_file);
      if (!token.ok()) return token.status().WithContext(user_where + ": tokenFile");
    }
  }

  const std::string ns = Scalar(ctx, "namespace");
  config.default_namespace = ns.empty() ? "default" : ns;
  return config;
}

}  // namespace

StatusOr<std::string> ReadFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const std::string msg = "read " + path + ": " + std::strerror(err);
    if (err == ENOENT || err == ENOTDIR) return Status::NotFound(msg);
    if (err == EACCES || err == EPERM) return Status::PermissionDenied(msg);
    return Status::Unavailable(msg);
  }
  std::string out;
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string msg = "read " + path + ": " + std::strerror(errno);
      ::close(fd);
      return Status::Unavailable(msg);
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

StatusOr<ClusterConfig> ParseKubeconfig(std::string_view yaml_text, std::string_view source_name,
                                        std::string_view base_dir, std::string_view context,
                                        const FileReader& read) {
  const std::string source(source_name);
  try {
    return ParseKubeconfigOrThrow(yaml_text, source, base_dir, context, read);
  } catch (const YAML::Exception& e) {
    // Parse errors carry a line/column mark; conversion errors say which value was bad.
    return Status::InvalidArgument("kubeconfig " + source + ": " + e.what());
  }
}

StatusOr<ClusterConfig> InClusterConfig(const GetEnv& getenv, const FileReader& read) {
  const std::optional<std::string> host = getenv("KUBERNETES_SERVICE_HOST");
  const std::optional<std::string> port = getenv("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return Status::NotFound(
        "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set");
  }
  ClusterConfig config;
  const bool ipv6 = host->find(':') != std::string::npos;
  config.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;

  const std::string dir = kServiceAccountDir;
  config.token_file = dir + "/token";
  StatusOr<std::string> token = read(config.token_file);
  if (!token.ok()) return token.status().WithContext("in-cluster service-account token");
  StatusOr<std::string> ca = read(dir + "/ca.crt");
  if (!ca.ok()) return ca.status().WithContext("in-cluster service-account CA");
  config.ca_pem = std::move(ca).value();

  if (std::optional<std::string> ns = getenv("POD_NAMESPACE"); ns && !ns->empty()) {
    config.default_namespace = *ns;
  } else if (StatusOr<std::string> file = read(dir + "/namespace");
             file.ok() && !Trim(*file).empty()) {
    config.default_namespace = Trim(*file);
  } else {
    config.default_namespace = "default";  // the namespace file is optional
  }
  return config;
}

StatusOr<ClusterConfig> LoadClusterConfig(std::string_view kubeconfig_flag,
                                          std::string_view context_flag, const GetEnv& getenv,
                                          const FileReader& read) {
  auto load_file = [&](const std::string& path) -> StatusOr<ClusterConfig> {
    StatusOr<std::string> text = read(path);
    if (!text.ok()) return text.status();
    return ParseKubeconfig(*text, path, DirName(path), context_flag, read);
  };

  if (!kubeconfig_flag.empty()) {
    StatusOr<ClusterConfig> config = load_file(std::string(kubeconfig_flag));
    if (!config.ok()) return config.status().WithContext("--kubeconfig");
    return config;
  }

  std::vector<std::string> tried;
  const std::optional<std::string> env_list = getenv("KUBECONFIG");
  const bool have_env_list = env_list && !env_list->empty();
  if (have_env_list) {
    size_t start = 0;
    while (start <= env_list->size()) {
      size_t end = env_list->find(':', start);
      if (end == std::string::npos) end = env_list->size();
      const std::string path = env_list->substr(start, end - start);
      start = end + 1;
      if (path.empty()) continue;
      StatusOr<std::string> text = read(path);
      if (text.status().IsNotFound()) {
        tried.push_back("$KUBECONFIG entry " + path + " (does not exist)");
        continue;
      }
      if (!text.ok()) return text.status().WithContext("$KUBECONFIG");
      StatusOr<ClusterConfig> config =
          ParseKubeconfig(*text, path, DirName(path), context_flag, read);
      if (!config.ok()) return config.status().WithContext("$KUBECONFIG");
      return config;
    }
  } else {
    tried.push_back("$KUBECONFIG (not set)");
  }

  if (!have_env_list) {
    const std::optional<std::string> host = getenv("KUBERNETES_SERVICE_HOST");
    if (host && !host->empty()) return InClusterConfig(getenv, read);
    tried.push_back("in-cluster config ($KUBERNETES_SERVICE_HOST not set)");
  }

  const std::optional<std::string> home = getenv("HOME");
  if (home && !home->empty()) {
    const std::string path = *home + "/.kube/config";
    StatusOr<std::string> text = read(path);
    if (text.ok()) return ParseKubeconfig(*text, path, DirName(path), context_flag, read);
    if (!text.status().IsNotFound()) return text.status();
    tried.push_back(path + " (does not exist)");
  } else {
    tried.push_back("~/.kube/config ($HOME not set)");
  }

  std::string msg = "no Kubernetes config found; tried: ";
  for (size_t i = 0; i < tried.size(); ++i) msg += (i > 0 ? ", " : "") + tried[i];
  msg += ". Pass --kubeconfig or set KUBECONFIG.";
  return Status::NotFound(msg);
}

StatusOr<ClusterConfig> LoadClusterConfig(std::string_view kubeconfig_flag,
                                          std::string_view context_flag) {
  auto getenv = [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
  return LoadClusterConfig(kubeconfig_flag, context_flag, getenv, ReadFile);
}

}  // namespace redispair::kube
