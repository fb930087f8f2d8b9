// argv for the flag parsers under test: the command's name, then the arguments.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace redispair::cmd::testing {

class TestArgv {
 public:
  explicit TestArgv(std::vector<std::string> args) : args_(std::move(args)) {
    args_.insert(args_.begin(), "command");
    for (std::string& a : args_) pointers_.push_back(a.data());
  }
  TestArgv(const TestArgv&) = delete;
  TestArgv& operator=(const TestArgv&) = delete;

  int argc() const { return static_cast<int>(pointers_.size()); }
  char** argv() { return pointers_.data(); }

 private:
  std::vector<std::string> args_;
  std::vector<char*> pointers_;
};

}  // namespace redispair::cmd::testing
