#include "importer/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <string>

#include "importer/resp.h"

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
    AppendRespCommand(argv, &pending_);
    return pending_.size() >= kHandOverBytes ? HandOver() : Status::Ok();
  }

  Status ReadReply(Reply* reply) override {
    Status s = HandOver();
    if (!s.ok()) return s;
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
        // EXEC answers with an array in which each failed command of the transaction is an
        // error element; surface the first one so the EXEC line is reported as failed.
        for (size_t i = 0; i < r->elements; ++i) {
          const redisReply* e = r->element[i];
          if (e != nullptr && e->type == REDIS_REPLY_ERROR) {
            reply->type = Reply::Type::kError;
            reply->str = "command " + std::to_string(i + 1) +
                         " of the transaction failed: " + std::string(e->str, e->len);
            return Status::Ok();
          }
        }
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
  // Commands are encoded by our AppendRespCommand into pending_ and handed to hiredis in
  // batches of about this many bytes: one redisAppendFormattedCommand per batch instead of one
  // redisAppendCommandArgv per command, whose sdscatfmt-based formatting and per-command
  // allocation took a quarter of the importer's CPU time. hiredis still owns the socket, the
  // writes and the reply parsing.
  static constexpr size_t kHandOverBytes = 64 * 1024;

  Status HandOver() {
    if (pending_.empty()) return Status::Ok();
    if (redisAppendFormattedCommand(ctx_.get(), pending_.data(), pending_.size()) != REDIS_OK) {
      return ConnectionError();
    }
    pending_.clear();
    // Write now rather than at the next ReadReply, so the server starts working while we are
    // still parsing: otherwise a whole window of commands would be encoded before the first
    // byte leaves. Writing without reading cannot deadlock: Redis keeps reading a client while
    // it buffers that client's replies, and the caller's window bounds how many there are.
    int done = 0;
    while (done == 0) {
      if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) return ConnectionError();
    }
    return Status::Ok();
  }

  Status ConnectionError() const {
    return Status::Unavailable(
        "redis at " + where_ + ": " +
        (ctx_->errstr[0] != '\0' ? std::string(ctx_->errstr) : std::string("connection lost")));
  }

  std::unique_ptr<redisContext, ContextDeleter> ctx_;
  std::string where_;
  std::string pending_;  // RESP not yet handed to hiredis; keeps its capacity
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
