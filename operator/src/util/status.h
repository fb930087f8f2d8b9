// Errors as values at module boundaries, in the manner of leveldb::Status and absl::StatusOr.
//
// A Status is either OK or carries a code and a message. Messages carry both context ("GET
// /api/v1/pods") and detail ("connection refused"). Exceptions thrown by libraries are caught where
// they are thrown and turned into a Status; they never cross a module or thread boundary.
//
// Status and StatusOr are cheap to move and are not thread-safe objects in themselves (share
// copies).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace redispair {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // the input is wrong; retrying will not help
    kNotFound,
    kAlreadyExists,
    kConflict,     // optimistic-concurrency failure; retry with fresh state
    kGone,         // a watch resourceVersion expired (HTTP 410); relist
    kUnavailable,  // transient: connection refused, timeout, 5xx; retry with backoff
    kPermissionDenied,
    kCancelled,  // a shutdown was requested
    kInternal,
  };

  Status() = default;

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string msg) {
    return {Code::kInvalidArgument, std::move(msg)};
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg)}; }
  static Status AlreadyExists(std::string msg) { return {Code::kAlreadyExists, std::move(msg)}; }
  static Status Conflict(std::string msg) { return {Code::kConflict, std::move(msg)}; }
  static Status Gone(std::string msg) { return {Code::kGone, std::move(msg)}; }
  static Status Unavailable(std::string msg) { return {Code::kUnavailable, std::move(msg)}; }
  static Status PermissionDenied(std::string msg) {
    return {Code::kPermissionDenied, std::move(msg)};
  }
  static Status Cancelled(std::string msg) { return {Code::kCancelled, std::move(msg)}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg)}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsGone() const { return code_ == Code::kGone; }
  bool IsCancelled() const { return code_ == Code::kCancelled; }

  // "CodeName: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message"; OK stays OK.
  Status WithContext(std::string_view context) const;

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

// A value or the error that prevented it. Accessing value() of an error is a programming error.
template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "StatusOr needs a value or an error");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  T& value() & {
    assert(ok());
    return *value_;
  }
  const T& value() const& {
    assert(ok());
    return *value_;
  }
  T&& value() && {
    assert(ok());
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace redispair
