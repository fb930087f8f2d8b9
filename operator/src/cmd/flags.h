// One way to read the flags of every subcommand (operator, import, render), in the manner of Go's
// flag package: "--name value" and "--name=value" both work, integer flags are range-checked here,
// and every problem is an InvalidArgument that names the flag.
//
//   FlagSet flags;
//   flags.String({"--kubeconfig"}, &kubeconfig);
//   flags.Int({"--workers"}, 1, 64, &workers);
//   flags.Bool({"--all-namespaces"}, &all_namespaces);
//   if (Status s = flags.Parse(argc, argv); !s.ok()) return s;  // argv[0] is skipped
//   if (flags.help()) ...                                       // -h or --help was given
//
// A FlagSet holds pointers to the variables it sets, which must outlive Parse(). Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace redispair::cmd {

class FlagSet {
 public:
  using Names = std::initializer_list<std::string_view>;

  // A switch: present sets *out to true. It takes no value ("--force=x" is an error).
  void Bool(Names names, bool* out);

  // A string value. Unless `allow_empty`, an empty value ("--host=") is an error.
  void String(Names names, std::string* out, bool allow_empty = true);

  // An integer value in [min, max], written to *out.
  template <typename T>
  void Int(Names names, T min, T max, T* out) {
    AddInt(names, static_cast<int64_t>(min), static_cast<int64_t>(max),
           [out](int64_t v) { *out = static_cast<T>(v); });
  }

  // A flag that is always refused with `reason`. Its value is neither read nor echoed: for
  // passwords on the command line, which `ps` would show.
  void Refuse(Names names, std::string reason);

  // Arguments that are not flags (including "-") are appended to *out. Without this call they are
  // errors.
  void Positional(std::vector<std::string>* out);

  // Parses argv[1..argc). When -h or --help is among them, sets help() and parses nothing else.
  // InvalidArgument for an unknown flag, a missing or malformed value, a value out of range, a
  // refused flag, or an unexpected argument.
  Status Parse(int argc, char** argv);

  bool help() const { return help_; }

 private:
  enum class Kind { kSwitch, kValue, kRefused };
  struct Flag {
    std::vector<std::string> names;
    Kind kind;
    // Sets the flag from its value ("" for a switch); `name` is the spelling used, for messages.
    std::function<Status(const std::string& name, std::string_view value)> set;
  };

  void Add(Names names, Kind kind, std::function<Status(const std::string&, std::string_view)> set);
  void AddInt(Names names, int64_t min, int64_t max, std::function<void(int64_t)> set);
  const Flag* Find(std::string_view name) const;

  std::vector<Flag> flags_;
  std::vector<std::string>* positional_ = nullptr;
  bool help_ = false;
};

// What every subcommand does first with its parsed flags: for a usage error, prints
// "<prefix>: <error>" and `usage` to stderr and returns 2; for --help, prints `usage` to stdout
// and returns 0; otherwise returns nullopt, and the command goes on.
std::optional<int> ExitForUsage(const Status& parsed, bool help, const char* prefix,
                                const char* usage);

// The same for a command's flags struct, which has a `bool help`:
//   if (std::optional<int> exit = ExitForUsage(parsed, "redispair render", kUsage)) return *exit;
template <typename Flags>
std::optional<int> ExitForUsage(const StatusOr<Flags>& parsed, const char* prefix,
                                const char* usage) {
  return ExitForUsage(parsed.status(), parsed.ok() && parsed->help, prefix, usage);
}

}  // namespace redispair::cmd
