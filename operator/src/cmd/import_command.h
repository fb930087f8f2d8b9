// `redispair import`: loads a file of redis-cli commands into Redis, exactly, fast and honestly.
//
//   redispair import [--host H] [--port P] [--password-file PATH] [--dry-run] [--flush-first]
//                    [--force] [--emit-resp] [--window N] FILE|-
//
// The whole file is validated before anything is sent; if any line is bad nothing is sent and
// every bad line is listed (the first 20, then a count). Commands are then pipelined, each error
// reply is reported with its line number, and a summary goes to stdout. A replay of content
// already imported is refused unless --force (see replay_guard.h).
//
// The password is read only from $REDISCLI_AUTH (as redis-cli does) or --password-file, never
// from argv, where `ps` would show it. Standard input ("-"), pipes and other non-regular files are
// copied to an unlinked temporary file ($TMPDIR, default /tmp) during validation, because they can
// be read only once and the import needs two passes; regular files are simply read twice.
//
// Exit status: 0 all commands succeeded (or the dry run found no bad line); 1 anything failed
// (bad lines, error replies, refused replay, connection or I/O errors); 2 usage error.
#pragma once

namespace redispair::cmd {

// argv[0] is "import". Writes the summary to stdout and problems to stderr. Ignores SIGPIPE for
// the whole process, so that a server closing the connection is an error, not a silent death.
int RunImportCommand(int argc, char** argv);

}  // namespace redispair::cmd
