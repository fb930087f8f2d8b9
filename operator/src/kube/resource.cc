#include "kube/resource.h"

#include <cctype>

namespace redispair::kube {

std::string Resource::ApiVersion() const { return group.empty() ? version : group + "/" + version; }

std::string CollectionPath(const Resource& resource, std::string_view ns) {
  // The core group predates API groups and keeps its own root.
  std::string path = resource.group.empty() ? "/api/" + resource.version
                                            : "/apis/" + resource.group + "/" + resource.version;
  if (resource.namespaced && !ns.empty()) {
    path += "/namespaces/";
    path += ns;
  }
  path += "/" + resource.plural;
  return path;
}

std::string ObjectPath(const Resource& resource, std::string_view ns, std::string_view name,
                       std::string_view subresource) {
  std::string path = CollectionPath(resource, ns);
  path += "/";
  path += name;
  if (!subresource.empty()) {
    path += "/";
    path += subresource;
  }
  return path;
}

std::string Describe(const Resource& resource, std::string_view ns, std::string_view name) {
  std::string out = resource.plural + " ";
  if (resource.namespaced && !ns.empty()) {
    out += ns;
    out += "/";
  }
  out += name;
  return out;
}

std::string UrlEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

}  // namespace redispair::kube
