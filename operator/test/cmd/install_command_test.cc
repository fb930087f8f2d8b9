#include "cmd/install_command.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "test_argv.h"

namespace redispair::cmd {
namespace {

namespace fs = std::filesystem;

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "install-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void Write(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

StatusOr<InstallFlags> Parse(std::vector<std::string> args) {
  testing::TestArgv argv(std::move(args));
  return ParseInstallFlags(argv.argc(), argv.argv());
}

TEST_CASE("InstallCopiesTheImporterExecutableAndReplacesAnOldCopy", "[install]") {
  TempDir src, dst;
  Write(src.path() + "/importer", std::string("\x7f"
                                              "ELF new",
                                              8));
  Write(dst.path() + "/redispair-import", "old");
  REQUIRE(InstallImporter(src.path() + "/importer", dst.path()).ok());
  const std::string target = dst.path() + "/redispair-import";
  CHECK(Slurp(target) == std::string("\x7f"
                                     "ELF new",
                                     8));
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0555);
  // Nothing but the target is left behind: no temporary file.
  CHECK(std::distance(fs::directory_iterator(dst.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("InstallRefusesAMissingSourceAndLeavesNothing", "[install]") {
  TempDir dst;
  Status s = InstallImporter(dst.path() + "/nope", dst.path());
  CHECK(s.code() == Status::Code::kInternal);
  CHECK(s.message().find("/nope") != std::string::npos);
  CHECK(fs::is_empty(dst.path()));
}

TEST_CASE("InstallRefusesADirectoryAsSource", "[install]") {
  TempDir src, dst;
  Status s = InstallImporter(src.path(), dst.path());
  CHECK(s.code() == Status::Code::kInvalidArgument);
  CHECK(fs::is_empty(dst.path()));
}

TEST_CASE("InstallIntoAMissingDirectoryFailsNamingIt", "[install]") {
  TempDir src;
  Write(src.path() + "/importer", "x");
  Status s = InstallImporter(src.path() + "/importer", src.path() + "/no/such/dir");
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("/no/such/dir") != std::string::npos);
}

TEST_CASE("InstallFlagsRequireTheTargetDirectory", "[install]") {
  CHECK(Parse({}).status().code() == Status::Code::kInvalidArgument);
  StatusOr<InstallFlags> f = Parse({"--to", "/opt/redispair"});
  REQUIRE(f.ok());
  CHECK(f->to == "/opt/redispair");
  CHECK(f->from.empty());
  CHECK(Parse({"--help"})->help);
}

}  // namespace
}  // namespace redispair::cmd
