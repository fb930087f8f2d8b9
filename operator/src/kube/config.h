// How to reach and authenticate to the Kubernetes API server: from a kubeconfig file (as kubectl
// reads it) or from the in-cluster service-account mount.
//
// The parsers are pure functions over text, with file and environment access passed in as seams
// (FileReader, a getenv function) so that they can be tested without touching the machine.
// All functions are thread-safe (they share no state); LoadClusterConfig() reads the process
// environment, which must not be modified concurrently.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "util/status.h"

namespace redispair::kube {

struct ClusterConfig {
  // "https://127.0.0.1:6443", "https://[fd00::1]:443" or "http://..."; an optional path prefix
  // ("https://host/k8s/clusters/c-1") is prepended to every request target by the client.
  std::string server;
  std::string ca_pem;  // PEM CA bundle; empty => the system's default verify paths
  bool insecure_skip_tls_verify = false;
  std::string client_cert_pem, client_key_pem;  // client-certificate auth (minikube style)
  std::string bearer_token;                     // static token
  // When set, the bearer token is read from this file, and re-read on any request after its
  // mtime changed (service-account token rotation). Takes precedence over bearer_token.
  std::string token_file;
  std::string default_namespace = "default";  // context namespace / in-cluster namespace file
};

// Reads a whole file. Errors: NotFound if it does not exist, PermissionDenied, or Unavailable
// for other I/O errors; messages name the path.
using FileReader = std::function<StatusOr<std::string>(const std::string& path)>;
StatusOr<std::string> ReadFile(const std::string& path);

// Returns an environment variable, or nullopt when unset.
using GetEnv = std::function<std::optional<std::string>(const char* name)>;

// Parses kubeconfig YAML text into the config for `context` (empty = current-context).
// `source_name` (usually the file's path) is used in error messages; relative file paths in the
// file (certificate-authority, client-certificate, client-key, tokenFile) are resolved against
// `base_dir` (the file's directory) and read through `read`.
//
// Supported: cluster server, certificate-authority(-data), insecure-skip-tls-verify; user
// client-certificate(-data), client-key(-data), token, tokenFile; context namespace. A `*-data`
// field wins over its file form, and token wins over tokenFile, as in client-go. exec and
// auth-provider users are refused with InvalidArgument (not supported by this client).
// Errors name the kubeconfig and the entry at fault, e.g.
//   context "foo" not found in /root/.kube/config
StatusOr<ClusterConfig> ParseKubeconfig(std::string_view yaml_text, std::string_view source_name,
                                        std::string_view base_dir, std::string_view context,
                                        const FileReader& read);

// Paths of the service-account mount used by InClusterConfig.
inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

// The in-cluster config: server https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (an
// IPv6 host is bracketed), the CA from ca.crt, token_file set to the service-account token
// (read once here to check that it is present; the client re-reads it when it rotates), and the
// namespace from $POD_NAMESPACE or the namespace file, else "default". NotFound when the
// environment variables are not set.
StatusOr<ClusterConfig> InClusterConfig(const GetEnv& getenv, const FileReader& read);

// Finds the config as controller-runtime does:
//   1. `kubeconfig_flag` if not empty (must be readable);
//   2. else $KUBECONFIG: the first existing file of its colon-separated list;
//   3. else in-cluster, if $KUBERNETES_SERVICE_HOST is set (and $KUBECONFIG is not);
//   4. else $HOME/.kube/config.
// `context_flag` selects the kubeconfig context (empty = current-context); it is ignored for the
// in-cluster config. When nothing is found the NotFound error lists everything that was tried.
StatusOr<ClusterConfig> LoadClusterConfig(std::string_view kubeconfig_flag,
                                          std::string_view context_flag);
// The same with seams for the environment and the file system (used by the one above and tests).
StatusOr<ClusterConfig> LoadClusterConfig(std::string_view kubeconfig_flag,
                                          std::string_view context_flag, const GetEnv& getenv,
                                          const FileReader& read);

}  // namespace redispair::kube
