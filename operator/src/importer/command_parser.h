// Splits one line of an import file into arguments exactly as redis-cli does.
//
// redis-cli splits each line it reads with sdssplitargs() (redis/src/sds.c); we reproduce it
// byte for byte so that a file means the same thing to `redis-cli < file` and to
// `redispair import`:
//   - arguments are separated by whitespace (C-locale isspace: space \t \n \v \f \r); note that,
//     as in sdssplitargs, only space \t \n \r end an unquoted argument, so \v and \f inside
//     `a\vb` belong to the argument;
//   - inside "double quotes": \" \n \r \t \b \a \\ and \xHH (two hex digits) are escapes, any
//     other backslash pair stands for the second character (so "\q" is q and "\xZZ" is xZZ);
//   - inside 'single quotes' everything is literal except \' (a quote);
//   - a quote may open in the middle of an argument (a"b c" is `ab c`), but a closing quote must
//     be followed by whitespace or the end of the line;
//   - "" is an empty argument; a line of only whitespace has no arguments.
//
// One deliberate difference: a raw NUL byte in the line is an error. redis-cli treats the line as
// a C string and silently drops everything after it; write \x00 inside double quotes instead.
//
// Pure functions, thread-safe.
#pragma once

#include <string_view>

#include "importer/argv.h"
#include "util/status.h"

namespace redispair::importer {

// Parses `line` (without its line terminator) into `out`, which is cleared first.
// Returns OK, or InvalidArgument with a message "column C: reason" where C is the 1-based byte
// column of the offending character; `out` is unspecified on error.
Status ParseLine(std::string_view line, Argv* out);

}  // namespace redispair::importer
