#include "controller/replication_probe.h"

#include <hiredis/hiredis.h>

#include <memory>

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

ReplyPtr Command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

}  // namespace

StatusOr<ReplicationInfo> HiredisProber::Probe(const std::string& host, int port,
                                               const std::string& password) {
  const std::string where = host + ":" + std::to_string(port);
  timeval tv{};
  tv.tv_sec = timeout_.count() / 1000;
  tv.tv_usec = static_cast<suseconds_t>((timeout_.count() % 1000) * 1000);
  ContextPtr ctx(redisConnectWithTimeout(host.c_str(), port, tv));
  if (!ctx) return Status::Unavailable("connect " + where + ": out of memory");
  if (ctx->err) return Status::Unavailable("connect " + where + ": " + ctx->errstr);
  redisSetTimeout(ctx.get(), tv);
  if (!password.empty()) {
    ReplyPtr auth = Command(ctx.get(), {"AUTH", password});
    if (!auth) return Status::Unavailable("AUTH on " + where + ": " + ctx->errstr);
    if (auth->type == REDIS_REPLY_ERROR) {
      return Status::PermissionDenied("AUTH on " + where + ": " +
                                      std::string(auth->str, auth->len));
    }
  }
  ReplyPtr info = Command(ctx.get(), {"INFO", "replication"});
  if (!info) return Status::Unavailable("INFO on " + where + ": " + ctx->errstr);
  if (info->type == REDIS_REPLY_ERROR) {
    return Status::Unavailable("INFO on " + where + ": " + std::string(info->str, info->len));
  }
  if (info->type != REDIS_REPLY_STRING && info->type != REDIS_REPLY_STATUS) {
    return Status::Internal("INFO on " + where + ": unexpected reply type");
  }
  return ParseReplicationInfo(std::string_view(info->str, info->len));
}

}  // namespace redispair
