#include "importer/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <vector>

namespace redispair::importer {

StatusOr<Reply> RedisClient::Call(const Argv& argv) {
  Status s = Append(argv);
  if (!s.ok()) return s;
  Reply reply;
  s = ReadReply(&reply);
  if (!s.ok()) return s;
  return reply;
}

namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};

class HiredisClient final : public RedisClient {
 public:
  HiredisClient(std::unique_ptr<redisContext, ContextDeleter> ctx, std::string where)
      : ctx_(std::move(ctx)), where_(std::move(where)) {}

  Status Append(const Argv& argv) override {
    ptrs_.clear();
    lens_.clear();
    for (size_t i = 0; i < argv.size(); ++i) {
      ptrs_.push_back(argv[i].data());
      lens_.push_back(argv[i].size());
    }
    if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), ptrs_.data(),
                               lens_.data()) != REDIS_OK) {
      return ConnectionError();
    }
    return Status::Ok();
  }

  Status ReadReply(Reply* reply) override {
    void* raw = nullptr;
    if (redisGetReply(ctx_.get(), &raw) != REDIS_OK || raw == nullptr) return ConnectionError();
    std::unique_ptr<redisReply, ReplyDeleter> r(static_cast<redisReply*>(raw));
    reply->integer = 0;
    switch (r->type) {
      case REDIS_REPLY_STATUS:
        reply->type = Reply::Type::kStatus;
        break;
      case REDIS_REPLY_ERROR:
        reply->type = Reply::Type::kError;
        break;
      case REDIS_REPLY_INTEGER:
        reply->type = Reply::Type::kInteger;
        reply->integer = r->integer;
        break;
      case REDIS_REPLY_STRING:
        reply->type = Reply::Type::kString;
        break;
      case REDIS_REPLY_NIL:
        reply->type = Reply::Type::kNil;
        break;
      case REDIS_REPLY_ARRAY:
        reply->type = Reply::Type::kArray;
        break;
      default:
        reply->type = Reply::Type::kOther;
        break;
    }
    if (r->str != nullptr) {
      reply->str.assign(r->str, r->len);
    } else {
      reply->str.clear();
    }
    return Status::Ok();
  }

 private:
  Status ConnectionError() const {
    return Status::Unavailable(
        "redis at " + where_ + ": " +
        (ctx_->errstr[0] != '\0' ? std::string(ctx_->errstr) : std::string("connection lost")));
  }

  std::unique_ptr<redisContext, ContextDeleter> ctx_;
  std::string where_;
  std::vector<const char*> ptrs_;  // reused by Append() to avoid per-command allocation
  std::vector<size_t> lens_;
};

}  // namespace

StatusOr<std::unique_ptr<RedisClient>> ConnectRedis(const ConnectOptions& options) {
  const std::string where = options.host + ":" + std::to_string(options.port);
  std::unique_ptr<redisContext, ContextDeleter> ctx(redisConnectWithTimeout(
      options.host.c_str(), options.port, ToTimeval(options.connect_timeout)));
  if (ctx == nullptr) return Status::Unavailable("redis at " + where + ": out of memory");
  if (ctx->err != 0) {
    return Status::Unavailable("cannot connect to redis at " + where + ": " + ctx->errstr);
  }
  if (redisSetTimeout(ctx.get(), ToTimeval(options.io_timeout)) != REDIS_OK) {
    return Status::Unavailable("redis at " + where + ": cannot set timeout: " + ctx->errstr);
  }
  auto client = std::make_unique<HiredisClient>(std::move(ctx), where);

  if (!options.password.empty()) {
    StatusOr<Reply> auth = client->Call(Argv{"AUTH", options.password});
    if (!auth.ok()) return auth.status();
    if (auth->type == Reply::Type::kError) {
      // Never echo the password; the server's message (WRONGPASS ...) does not contain it.
      return Status::PermissionDenied("redis at " + where + " rejected the password: " + auth->str);
    }
  }
  StatusOr<Reply> ping = client->Call(Argv{"PING"});
  if (!ping.ok()) return ping.status();
  if (ping->type == Reply::Type::kError) {
    if (ping->str.rfind("NOAUTH", 0) == 0) {
      return Status::PermissionDenied(
          "redis at " + where +
          " requires a password: set REDISCLI_AUTH or pass --password-file PATH");
    }
    return Status::Unavailable("redis at " + where + ": PING failed: " + ping->str);
  }
  return std::unique_ptr<RedisClient>(std::move(client));
}

}  // namespace redispair::importer
