#include "kube/api_error.h"

#include <string>

#include "util/json_fields.h"

namespace redispair::kube {
namespace {

// How much of a non-Status body to quote in an error message.
constexpr size_t kMaxQuotedBody = 256;

Status FromCode(int code, std::string_view reason, std::string msg) {
  if (code == 404) return Status::NotFound(std::move(msg));
  if (code == 409) {
    if (reason == "AlreadyExists") return Status::AlreadyExists(std::move(msg));
    return Status::Conflict(std::move(msg));
  }
  if (code == 410 || reason == "Expired" || reason == "Gone") return Status::Gone(std::move(msg));
  if (code == 401 || code == 403) return Status::PermissionDenied(std::move(msg));
  if (code == 408 || code == 429 || code >= 500) return Status::Unavailable(std::move(msg));
  if (code >= 400) return Status::InvalidArgument(std::move(msg));
  return Status::Internal(std::move(msg));  // 1xx/3xx: the client does not follow redirects
}

std::string Describe(std::string_view context, int code, const std::string& reason,
                     const std::string& message) {
  std::string head;
  if (code != 0) head += " HTTP " + std::to_string(code);
  if (!reason.empty()) head += " " + reason;
  std::string out = std::string(context) + ":" + head;
  if (!message.empty()) out += (head.empty() ? " " : ": ") + message;
  return out;
}

}  // namespace

Status StatusFromResponse(const HttpResponse& response, std::string_view context) {
  if (response.status >= 200 && response.status < 300) return Status::Ok();
  std::string reason;
  std::string message;
  // The body is a metav1.Status for API errors, but proxies and some failures return text.
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr,
                                                    /*allow_exceptions=*/false);
  if (body.is_object() && StringField(body, "kind") == "Status") {
    reason = StringField(body, "reason");
    message = StringField(body, "message");
  } else {
    message = response.body.substr(0, kMaxQuotedBody);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
      message.pop_back();
    }
  }
  return FromCode(response.status, reason, Describe(context, response.status, reason, message));
}

Status StatusFromKubeStatus(const nlohmann::json& status, std::string_view context) {
  if (!status.is_object()) {
    return Status::Internal(std::string(context) + ": malformed Status object: " +
                            status.dump().substr(0, kMaxQuotedBody));
  }
  int code = 0;
  if (const auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
    code = it->get<int>();
  }
  const std::string reason = StringField(status, "reason");
  const std::string message = StringField(status, "message");
  if (StringField(status, "status") == "Success") return Status::Ok();
  return FromCode(code == 0 ? 500 : code, reason, Describe(context, code, reason, message));
}

}  // namespace redispair::kube
