#include "cmd/flags.h"

#include <charconv>
#include <cstdio>

namespace redispair::cmd {

void FlagSet::Add(Names names, Kind kind,
                  std::function<Status(const std::string&, std::string_view)> set) {
  flags_.push_back(
      Flag{std::vector<std::string>(names.begin(), names.end()), kind, std::move(set)});
}

void FlagSet::Bool(Names names, bool* out) {
  Add(names, Kind::kSwitch, [out](const std::string&, std::string_view) {
    *out = true;
    return Status::Ok();
  });
}

void FlagSet::String(Names names, std::string* out, bool allow_empty) {
  Add(names, Kind::kValue, [out, allow_empty](const std::string& name, std::string_view value) {
    if (value.empty() && !allow_empty) return Status::InvalidArgument(name + " needs a value");
    *out = std::string(value);
    return Status::Ok();
  });
}

void FlagSet::AddInt(Names names, int64_t min, int64_t max, std::function<void(int64_t)> set) {
  Add(names, Kind::kValue,
      [min, max, set = std::move(set)](const std::string& name, std::string_view value) {
        int64_t v = 0;
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
        if (ec != std::errc() || end != value.data() + value.size() || v < min || v > max) {
          return Status::InvalidArgument(name + " must be an integer from " + std::to_string(min) +
                                         " to " + std::to_string(max) + ", not \"" +
                                         std::string(value) + "\"");
        }
        set(v);
        return Status::Ok();
      });
}

void FlagSet::Refuse(Names names, std::string reason) {
  Add(names, Kind::kRefused,
      [reason = std::move(reason)](const std::string& name, std::string_view) {
        return Status::InvalidArgument(name + ": " + reason);
      });
}

void FlagSet::Positional(std::vector<std::string>* out) { positional_ = out; }

const FlagSet::Flag* FlagSet::Find(std::string_view name) const {
  for (const Flag& flag : flags_) {
    for (const std::string& n : flag.names) {
      if (n == name) return &flag;
    }
  }
  return nullptr;
}

Status FlagSet::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      return Status::Ok();
    }
  }
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-" || !arg.starts_with("-")) {
      if (positional_ == nullptr) {
        return Status::InvalidArgument("unexpected argument \"" + std::string(arg) + "\"");
      }
      positional_->emplace_back(arg);
      continue;
    }
    // "--name=value" or "--name value", as Go's flag package accepts.
    std::string name(arg);
    std::optional<std::string_view> inline_value;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = std::string(arg.substr(0, eq));
      inline_value = arg.substr(eq + 1);
    }
    const Flag* flag = Find(name);
    if (flag == nullptr) return Status::InvalidArgument("unknown flag " + name);
    std::string_view value;
    if (flag->kind == Kind::kSwitch && inline_value) {
      return Status::InvalidArgument(name + " takes no value");
    }
    if (flag->kind == Kind::kValue) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return Status::InvalidArgument(name + " needs a value");
      }
    }
    if (Status s = flag->set(name, value); !s.ok()) return s;
  }
  return Status::Ok();
}

std::optional<int> ExitForUsage(const Status& parsed, bool help, const char* prefix,
                                const char* usage) {
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s: %s\n\n%s", prefix, parsed.message().c_str(), usage);
    return 2;
  }
  if (help) {
    std::fputs(usage, stdout);
    return 0;
  }
  return std::nullopt;
}

}  // namespace redispair::cmd
