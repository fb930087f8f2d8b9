#include "importer/import_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "importer/importer.h"
#include "importer/progress.h"
#include "importer/redis_client.h"
#include "importer/replay_guard.h"
#include "util/status.h"

namespace redispair {
namespace {

using importer::Argv;
using importer::Reply;

constexpr char kUsage[] =
    "usage: redispair import [options] FILE|-\n"
    "\n"
    "Loads FILE (or standard input) of redis-cli commands, one per line, into Redis.\n"
    "Nothing is sent unless every line parses.\n"
    "\n"
    "  --host HOST           Redis host (default 127.0.0.1)\n"
    "  --port PORT           Redis port (default 6379)\n"
    "  --password-file PATH  read the password from PATH (default: $REDISCLI_AUTH)\n"
    "  --dry-run             validate and report only; connect to nothing\n"
    "  --flush-first         FLUSHALL before importing (also forgets earlier imports)\n"
    "  --force               import even if this exact content was imported before\n"
    "  --emit-resp           write the commands as RESP to stdout (for redis-cli --pipe)\n"
    "  --window N            commands in flight (default 65536)\n"
    "  -h, --help            show this help\n";

struct Flags {
  std::string input;
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password_file;
  bool dry_run = false;
  bool flush_first = false;
  bool force = false;
  bool emit_resp = false;
  bool help = false;
  size_t window = importer::SendOptions{}.max_in_flight_commands;
};

template <typename Int>
bool ParseInt(std::string_view text, Int min, Int max, Int* out) {
  Int v{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) return false;
  *out = v;
  return true;
}

StatusOr<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  bool have_input = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view name = arg;
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
      name = arg.substr(0, arg.find('='));
      inline_value = arg.substr(arg.find('=') + 1);
    }
    // Fetches the option's value from "--name=value" or the next argument.
    auto value = [&]() -> std::optional<std::string_view> {
      if (inline_value) return inline_value;
      if (i + 1 < argc) return std::string_view(argv[++i]);
      return std::nullopt;
    };
    auto missing = [&]() { return Status::InvalidArgument(std::string(name) + " needs a value"); };
    if (name == "-h" || name == "--help") {
      flags.help = true;
    } else if (name == "--dry-run") {
      flags.dry_run = true;
    } else if (name == "--flush-first") {
      flags.flush_first = true;
    } else if (name == "--force") {
      flags.force = true;
    } else if (name == "--emit-resp") {
      flags.emit_resp = true;
    } else if (name == "--host") {
      auto v = value();
      if (!v || v->empty()) return missing();
      flags.host = std::string(*v);
    } else if (name == "--port") {
      auto v = value();
      if (!v) return missing();
      if (!ParseInt<int>(*v, 1, 65535, &flags.port)) {
        return Status::InvalidArgument("--port: not a port number: " + std::string(*v));
      }
    } else if (name == "--password-file") {
      auto v = value();
      if (!v || v->empty()) return missing();
      flags.password_file = std::string(*v);
    } else if (name == "--window") {
      auto v = value();
      if (!v) return missing();
      if (!ParseInt<size_t>(*v, 1, size_t{1} << 24, &flags.window)) {
        return Status::InvalidArgument("--window: expected 1..16777216, got " + std::string(*v));
      }
    } else if (name == "-a" || name == "--pass" || name == "--password" || name == "--user") {
      return Status::InvalidArgument(
          std::string(name) +
          ": passwords are not accepted on the command line (ps would show them); set "
          "REDISCLI_AUTH or use --password-file");
    } else if (arg != "-" && arg.starts_with("-")) {
      return Status::InvalidArgument("unknown option " + std::string(arg));
    } else if (have_input) {
      return Status::InvalidArgument("only one input file may be given");
    } else {
      flags.input = std::string(arg);
      have_input = true;
    }
  }
  if (!flags.help && !have_input) return Status::InvalidArgument("missing FILE (or - for stdin)");
  if (flags.dry_run && flags.emit_resp) {
    return Status::InvalidArgument("--dry-run and --emit-resp exclude each other");
  }
  return flags;
}

// The password from --password-file (one trailing newline dropped) or $REDISCLI_AUTH.
StatusOr<std::string> ReadPassword(const Flags& flags) {
  if (!flags.password_file.empty()) {
    std::ifstream in(flags.password_file, std::ios::binary);
    if (!in) {
      return Status::InvalidArgument("--password-file " + flags.password_file + ": " +
                                     std::strerror(errno));
    }
    std::ostringstream content;
    content << in.rdbuf();
    std::string password = content.str();
    if (password.ends_with('\n')) password.pop_back();
    if (password.ends_with('\r')) password.pop_back();
    return password;
  }
  const char* env = std::getenv("REDISCLI_AUTH");
  return std::string(env != nullptr ? env : "");
}

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
  explicit ImportRun(Flags flags) : flags_(std::move(flags)) {}

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

  Flags flags_;
  UniqueFd owned_fd_;
  int input_fd_ = -1;
  importer::ValidationResult validation_;
};

}  // namespace

int RunImportCommand(int argc, char** argv) {
  StatusOr<Flags> flags = ParseFlags(argc, argv);
  if (!flags.ok()) {
    std::fprintf(stderr, "import: %s\n\n%s", flags.status().message().c_str(), kUsage);
    return 2;
  }
  if (flags->help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  std::signal(SIGPIPE, SIG_IGN);
  return ImportRun(std::move(flags).value()).Run();
}

}  // namespace redispair
