#include "cmd/install_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cmd/flags.h"

namespace redispair::cmd {
namespace {

constexpr const char* kUsage = R"(Usage: redispair install-importer --to DIR [--from FILE]

Copies the static importer (default: redispair-import next to this binary) to DIR/redispair-import,
executable, replacing any earlier copy in one step. The master pod's init container runs it.
)";

// Closes a file descriptor when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, so that a failing close (a full disk) is reported.
  int Close() { return ::close(std::exchange(fd_, -1)); }

 private:
  int fd_;
};

Status Errno(const std::string& what, const std::string& path) {
  return Status::Internal(what + " " + path + ": " + std::strerror(errno));
}

Status CopyAll(int in, int out, const std::string& from, const std::string& to) {
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("reading", from);
    if (n == 0) return Status::Ok();
    for (ssize_t done = 0; done < n;) {
      ssize_t w = ::write(out, buf.data() + done, static_cast<size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) return Errno("writing", to);
      done += w;
    }
  }
}

// kImporterFileName in the directory of this process's executable.
std::string BesideSelf() {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return kImporterFileName;
  std::string path(self, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/') + 1) + kImporterFileName;
}

}  // namespace

StatusOr<InstallFlags> ParseInstallFlags(int argc, char** argv) {
  InstallFlags flags;
  FlagSet set;
  set.String({"--to"}, &flags.to, /*allow_empty=*/false);
  set.String({"--from"}, &flags.from, /*allow_empty=*/false);
  if (Status s = set.Parse(argc, argv); !s.ok()) return s;
  flags.help = set.help();
  if (!flags.help && flags.to.empty()) return Status::InvalidArgument("--to DIR is required");
  return flags;
}

Status InstallImporter(const std::string& from, const std::string& dir) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.get() < 0) return Errno("opening", from);
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return Errno("reading", from);
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument(from + " is not a regular file");
  const std::string target = dir + "/" + kImporterFileName;
  std::string tmp = target + ".XXXXXX";
  Fd out(::mkstemp(tmp.data()));
  if (out.get() < 0) return Errno("creating", tmp);
  Status s = CopyAll(in.get(), out.get(), from, tmp);
  if (s.ok() && ::fchmod(out.get(), 0555) != 0) s = Errno("chmod", tmp);
  if (s.ok() && out.Close() != 0) s = Errno("writing", tmp);
  if (s.ok() && ::rename(tmp.c_str(), target.c_str()) != 0) s = Errno("renaming to", target);
  // The half-written copy is useless; failing to remove it changes nothing about `s`.
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

int RunInstallCommand(int argc, char** argv) {
  StatusOr<InstallFlags> flags = ParseInstallFlags(argc, argv);
  if (std::optional<int> exit = ExitForUsage(flags, "redispair install-importer", kUsage)) {
    return *exit;
  }
  const std::string from = flags->from.empty() ? BesideSelf() : flags->from;
  if (Status s = InstallImporter(from, flags->to); !s.ok()) {
    std::fprintf(stderr, "install-importer: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("installed %s as %s/%s\n", from.c_str(), flags->to.c_str(), kImporterFileName);
  return 0;
}

}  // namespace redispair::cmd
