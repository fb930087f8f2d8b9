// Command-line flags of `redispair import` (see import_command.h) and the password lookup.
//
// Pure apart from ReadPassword, which reads a file or the environment; thread-compatible.
#pragma once

#include <cstddef>
#include <string>

#include "importer/importer.h"
#include "util/status.h"

namespace redispair::cmd {

// The --help text.
extern const char kImportUsage[];

struct ImportFlags {
  std::string input;  // a path, or "-" for standard input
  std::string host = "127.0.0.1";
  int port = 6379;            // Redis's own default, as redis-cli's
  std::string password_file;  // empty: use $REDISCLI_AUTH
  bool dry_run = false;
  bool flush_first = false;
  bool force = false;
  bool skip_imported = false;  // content imported before: say so and succeed, send nothing
  bool emit_resp = false;
  bool help = false;
  size_t window = importer::SendOptions{}.max_in_flight_commands;
};

// Parses argv (argv[0] is the command name and is skipped) with FlagSet (flags.h): options take
// "--name value" or "--name=value". InvalidArgument for unknown options, bad values, a missing
// FILE, and any attempt to pass a password on the command line (-a, --pass, --password, --user).
StatusOr<ImportFlags> ParseImportFlags(int argc, char** argv);

// The password from --password-file, else $REDISCLI_AUTH, normalised as everywhere else
// (util/password.h: one trailing "\n" or "\r\n" dropped; empty or multi-line refused); empty (no
// AUTH) when neither is set.
StatusOr<std::string> ReadPassword(const ImportFlags& flags);

}  // namespace redispair::cmd
