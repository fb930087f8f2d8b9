// The inverse of ParseLine: turns arguments back into a line that parses to the same bytes.
//
// Used to check the parser by round-tripping (the fuzzer and the unit tests). The quoting is that
// of redis-cli's sdscatrepr(), so the output is also what `redis-cli --no-raw` would print.
//
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "importer/argv.h"

namespace redispair::importer {

// Always double-quoted: \\ \" \n \r \t \a \b are escaped, other non-printable bytes become \xHH.
std::string QuoteArg(std::string_view arg);

// True if `arg` cannot be written bare on a line: it is empty, or contains whitespace, a quote,
// a backslash or a non-printable byte.
bool NeedsQuoting(std::string_view arg);

// Joins the arguments with single spaces, quoting only those that need it. ParseLine() of the
// result gives back `argv` exactly (for any non-empty argv).
std::string FormatCommand(const Argv& argv);

}  // namespace redispair::importer
