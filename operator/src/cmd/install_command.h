// `redispair install-importer`: copies the statically linked importer (redispair-import, next to
// this binary in the operator image) into a directory. The master pod's init container runs it
// into an emptyDir that the redis container mounts too, so scripts/redisImport.sh can stream a
// file to the importer with one `kubectl exec -i`, and the password reaches it from the
// container's environment ($REDISCLI_AUTH), never from argv. The copy is static so that it runs in
// any Redis image, whatever libraries that image carries.
#pragma once

#include <string>

#include "util/status.h"

namespace redispair::cmd {

// The file name of the importer, in the image and in the target directory.
inline constexpr const char* kImporterFileName = "redispair-import";

struct InstallFlags {
  std::string to;    // the target directory (required)
  std::string from;  // the importer to copy; empty: kImporterFileName next to this binary
  bool help = false;
};

// Parses argv (argv[0] is "install-importer") with FlagSet (flags.h). InvalidArgument for an
// unknown flag or a missing --to.
StatusOr<InstallFlags> ParseInstallFlags(int argc, char** argv);

// Copies the regular file `from` to `dir`/kImporterFileName with mode 0555. It is written under a
// temporary name in `dir` and renamed into place, so the target is either absent, the old copy or
// the whole new one. InvalidArgument when `from` is not a regular file, Internal for I/O errors;
// the message names the path.
Status InstallImporter(const std::string& from, const std::string& dir);

// argv[0] is "install-importer". Returns the process exit code.
int RunInstallCommand(int argc, char** argv);

}  // namespace redispair::cmd
