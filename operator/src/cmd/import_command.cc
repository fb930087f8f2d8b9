#include "cmd/import_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cmd/flags.h"
#include "cmd/import_flags.h"
#include "importer/importer.h"
#include "importer/progress.h"
#include "importer/redis_client.h"
#include "importer/replay_guard.h"
#include "util/status.h"

namespace redispair::cmd {
namespace {

using importer::Argv;
using importer::Reply;

// Owns a file descriptor.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// A temporary file that is unlinked at once, so it disappears with the process however it ends.
StatusOr<UniqueFd> MakeSpoolFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string path =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") + "/redispair-import-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return Status::Internal("creating spool file " + path + ": " + std::strerror(errno));
  ::unlink(path.c_str());
  return UniqueFd(fd);
}

Status Rewind(int fd) {
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    return Status::Internal(std::string("rewinding input: ") + std::strerror(errno));
  }
  return Status::Ok();
}

// One import run; each step returns the exit status or continues.
class ImportRun {
 public:
  explicit ImportRun(ImportFlags flags) : flags_(std::move(flags)) {}

  int Run() {
    const auto start = std::chrono::steady_clock::now();
    Status s = OpenAndValidate();
    if (!s.ok()) return Fail(s);
    const std::string& name = flags_.input == "-" ? std::string("<stdin>") : flags_.input;
    if (!validation_.errors.empty()) {
      std::fprintf(stderr, "import: %s: %llu bad line(s); nothing was sent\n%s", name.c_str(),
                   static_cast<unsigned long long>(validation_.errors.count()),
                   validation_.errors.Format().c_str());
      return 1;
    }
    if (flags_.dry_run) {
      std::printf("dry run: %s is valid: %llu lines, %llu commands, sha256 %s\n", name.c_str(),
                  static_cast<unsigned long long>(validation_.lines),
                  static_cast<unsigned long long>(validation_.commands),
                  validation_.sha256.c_str());
      return 0;
    }
    s = Rewind(input_fd_);
    if (!s.ok()) return Fail(s);
    if (flags_.emit_resp) {
      s = importer::EmitResp(input_fd_, STDOUT_FILENO);
      return s.ok() ? 0 : Fail(s);
    }
    return Import(name, start);
  }

 private:
  int Fail(const Status& s) {
    std::fprintf(stderr, "import: %s\n", s.message().c_str());
    return 1;
  }

  // Pass 1. A regular file is read twice in place; anything else (stdin, a pipe, a process
  // substitution) can be read only once, so it is copied to an unlinked spool file while it is
  // validated, and pass 2 reads the copy. The copy costs disk space equal to the input, but it
  // keeps memory bounded and guarantees pass 2 sends exactly the bytes pass 1 checked.
  Status OpenAndValidate() {
    int source = STDIN_FILENO;
    UniqueFd opened;
    if (flags_.input != "-") {
      opened = UniqueFd(::open(flags_.input.c_str(), O_RDONLY | O_CLOEXEC));
      if (opened.get() < 0) {
        return Status::InvalidArgument(flags_.input + ": " + std::strerror(errno));
      }
      source = opened.get();
    }
    struct stat st {};
    if (::fstat(source, &st) != 0) {
      return Status::Internal(flags_.input + ": fstat: " + std::strerror(errno));
    }
    int tee = -1;
    if (S_ISREG(st.st_mode)) {
      owned_fd_ = std::move(opened);
      input_fd_ = source;
    } else {
      StatusOr<UniqueFd> spool = MakeSpoolFile();
      if (!spool.ok()) return spool.status();
      owned_fd_ = std::move(spool).value();
      input_fd_ = tee = owned_fd_.get();
    }
    StatusOr<importer::ValidationResult> v = importer::ValidateInput(source, tee);
    if (!v.ok()) return v.status().WithContext(flags_.input == "-" ? "<stdin>" : flags_.input);
    validation_ = std::move(v).value();
    return Status::Ok();
  }

  StatusOr<long long> DbSize(importer::RedisClient* client) {
    StatusOr<Reply> r = client->Call(Argv{"DBSIZE"});
    if (!r.ok()) return r.status();
    if (r->type != Reply::Type::kInteger) return Status::Internal("DBSIZE: " + r->str);
    return r->integer;
  }

  Status Expect(importer::RedisClient* client, const Argv& argv) {
    StatusOr<Reply> r = client->Call(argv);
    if (!r.ok()) return r.status();
    if (r->type == Reply::Type::kError)
      return Status::Internal(std::string(argv[0]) + ": " + r->str);
    return Status::Ok();
  }

  int Import(const std::string& name, std::chrono::steady_clock::time_point start) {
    StatusOr<std::string> password = ReadPassword(flags_);
    if (!password.ok()) return Fail(password.status());
    importer::ConnectOptions connect;
    connect.host = flags_.host;
    connect.port = flags_.port;
    connect.password = std::move(password).value();
    StatusOr<std::unique_ptr<importer::RedisClient>> conn = importer::ConnectRedis(connect);
    if (!conn.ok()) return Fail(conn.status());
    importer::RedisClient* client = conn->get();

    if (flags_.flush_first) {
      Status s = Expect(client, Argv{"FLUSHALL"});
      if (!s.ok()) return Fail(s);
    } else if (!flags_.force) {
      StatusOr<std::optional<std::string>> previous =
          importer::FindPreviousImport(client, validation_.sha256);
      if (!previous.ok()) return Fail(previous.status());
      if (previous->has_value() && flags_.skip_imported) {
        std::printf(
            "%s (sha256 %s) was already imported (%s): nothing sent. Import it again with "
            "--force (or start over with --flush-first)\n",
            name.c_str(), validation_.sha256.c_str(), (*previous)->c_str());
        return 0;
      }
      if (previous->has_value()) {
        std::fprintf(stderr, "import: refused: %s",
                     importer::RefusalMessage(validation_.sha256, **previous).c_str());
        return 1;
      }
    }
    StatusOr<long long> keys_before = DbSize(client);
    if (!keys_before.ok()) return Fail(keys_before.status());

    const auto send_start = std::chrono::steady_clock::now();
    importer::ProgressMeter meter(validation_.commands, ::isatty(STDERR_FILENO) == 1);
    importer::SendOptions options;
    options.max_in_flight_commands = flags_.window;
    StatusOr<importer::SendResult> sent = importer::SendInput(
        input_fd_, client, options, [&meter](uint64_t done) { meter.Update(done); });
    meter.Finish();
    const auto send_end = std::chrono::steady_clock::now();
    if (!sent.ok()) return Fail(sent.status());

    // The file may have switched databases; the summary and the guard are about database 0.
    if (validation_.uses_select) {
      Status s = Expect(client, Argv{"SELECT", "0"});
      if (!s.ok()) return Fail(s);
    }
    StatusOr<long long> keys_after = DbSize(client);
    if (!keys_after.ok()) return Fail(keys_after.status());
    // Recorded even when some commands failed: the others did change the data.
    Status s = importer::RecordImport(
        client, validation_.sha256,
        importer::FormatImportRecord(std::chrono::system_clock::now(), validation_.lines,
                                     sent->sent, sent->errors.count()));
    if (!s.ok()) return Fail(s);

    const double send_seconds = std::chrono::duration<double>(send_end - send_start).count();
    const double total_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "imported %s into %s:%d (sha256 %.12s...)\n"
        "  commands sent  %llu\n"
        "  ok             %llu\n"
        "  errors         %llu\n"
        "  keys (db 0)    %lld -> %lld\n"
        "  elapsed        %.3f s (sending %.3f s, %.0f commands/s)\n",
        name.c_str(), flags_.host.c_str(), flags_.port, validation_.sha256.c_str(),
        static_cast<unsigned long long>(sent->sent), static_cast<unsigned long long>(sent->ok),
        static_cast<unsigned long long>(sent->errors.count()), *keys_before, *keys_after,
        total_seconds, send_seconds,
        send_seconds > 0 ? static_cast<double>(sent->sent) / send_seconds : 0.0);
    std::fflush(stdout);
    if (!sent->errors.empty()) {
      std::fprintf(stderr, "import: %llu command(s) failed:\n%s",
                   static_cast<unsigned long long>(sent->errors.count()),
                   sent->errors.Format().c_str());
      return 1;
    }
    return 0;
  }

  ImportFlags flags_;
  UniqueFd owned_fd_;
  int input_fd_ = -1;
  importer::ValidationResult validation_;
};

}  // namespace

int RunImportCommand(int argc, char** argv) {
  StatusOr<ImportFlags> flags = ParseImportFlags(argc, argv);
  if (std::optional<int> exit = ExitForUsage(flags, "import", kImportUsage)) return *exit;
  std::signal(SIGPIPE, SIG_IGN);
  return ImportRun(std::move(flags).value()).Run();
}

}  // namespace redispair::cmd
