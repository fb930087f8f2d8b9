#include "controller/replication_probe.h"

#include <hiredis/hiredis.h>

#include <memory>
#include <string_view>

namespace redispair {
namespace {

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ContextPtr = std::unique_ptr<redisContext, ContextFree>;
using ReplyPtr = std::unique_ptr<redisReply, ReplyFree>;

ReplyPtr Call(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

std::string_view Text(const redisReply* r) { return std::string_view(r->str, r->len); }

// A connected and authenticated context, or why not.
StatusOr<ContextPtr> Connect(const std::string& where, const std::string& host, int port,
                             const std::string& password, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = timeout.count() / 1000;
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ContextPtr ctx(redisConnectWithTimeout(host.c_str(), port, tv));
  if (!ctx) return Status::Unavailable("connect " + where + ": out of memory");
  if (ctx->err) return Status::Unavailable("connect " + where + ": " + ctx->errstr);
  redisSetTimeout(ctx.get(), tv);
  if (!password.empty()) {
    ReplyPtr auth = Call(ctx.get(), {"AUTH", password});
    if (!auth) return Status::Unavailable("AUTH on " + where + ": " + ctx->errstr);
    if (auth->type == REDIS_REPLY_ERROR) {
      return Status::PermissionDenied("AUTH on " + where + ": " + std::string(Text(auth.get())));
    }
  }
  return ctx;
}

// The "passwords" entry of an ACL GETUSER reply (a flat array of name, value pairs).
std::optional<std::vector<std::string>> PasswordHashes(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ARRAY) return std::nullopt;
  for (size_t i = 0; i + 1 < r->elements; i += 2) {
    const redisReply* name = r->element[i];
    const redisReply* value = r->element[i + 1];
    if (name->type != REDIS_REPLY_STRING && name->type != REDIS_REPLY_STATUS) continue;
    if (Text(name) != "passwords" || value->type != REDIS_REPLY_ARRAY) continue;
    std::vector<std::string> hashes;
    for (size_t j = 0; j < value->elements; ++j) hashes.emplace_back(Text(value->element[j]));
    return hashes;
  }
  return std::nullopt;
}

}  // namespace

StatusOr<ReplicationInfo> HiredisProber::Probe(const std::string& host, int port,
                                               const std::string& password) {
  const std::string where = host + ":" + std::to_string(port);
  StatusOr<ContextPtr> ctx = Connect(where, host, port, password, timeout_);
  if (!ctx.ok()) return ctx.status();
  // One INFO per section: a list of sections in one INFO needs Redis 7.
  std::string text;
  for (const char* section : {"replication", "keyspace", "persistence"}) {
    ReplyPtr info = Call(ctx->get(), {"INFO", section});
    if (!info) return Status::Unavailable("INFO on " + where + ": " + (*ctx)->errstr);
    if (info->type == REDIS_REPLY_ERROR) {
      return Status::Unavailable("INFO on " + where + ": " + std::string(Text(info.get())));
    }
    if (info->type != REDIS_REPLY_STRING && info->type != REDIS_REPLY_STATUS) {
      return Status::Internal("INFO on " + where + ": unexpected reply type");
    }
    text += Text(info.get());
    text += "\r\n";
  }
  ReplicationInfo parsed = ParseReplicationInfo(text);
  if (!password.empty()) {
    // Without ACLs (before Redis 6) this is an error reply, and the digests stay unknown.
    ReplyPtr user = Call(ctx->get(), {"ACL", "GETUSER", "default"});
    if (!user) return Status::Unavailable("ACL GETUSER on " + where + ": " + (*ctx)->errstr);
    parsed.password_hashes = PasswordHashes(user.get());
  }
  return parsed;
}

StatusOr<std::string> HiredisProber::Command(const std::string& host, int port,
                                             const std::string& password,
                                             const std::vector<std::string>& argv) {
  const std::string where = host + ":" + std::to_string(port);
  const std::string what = (argv.empty() ? std::string("command") : argv[0]) + " on " + where;
  StatusOr<ContextPtr> ctx = Connect(where, host, port, password, timeout_);
  if (!ctx.ok()) return ctx.status();
  ReplyPtr reply = Call(ctx->get(), argv);
  if (!reply) return Status::Unavailable(what + ": " + (*ctx)->errstr);
  if (reply->type == REDIS_REPLY_ERROR) {
    return Status::Unavailable(what + ": " + std::string(Text(reply.get())));
  }
  if (reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_STRING) {
    return std::string(Text(reply.get()));
  }
  if (reply->type == REDIS_REPLY_INTEGER) return std::to_string(reply->integer);
  return std::string();
}

}  // namespace redispair
