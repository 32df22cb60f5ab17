// Status is the outcome of an operation that can fail, shared by every module
// (after LevelDB's). A Status is either ok or carries a category and a
// message written for the user. No exception crosses a module boundary:
// functions return a Status, or fill a Diagnostics list when the input has
// positions (see diagnostic.h).
#pragma once

#include <string>
#include <utility>

namespace occam {

class Status {
 public:
  enum class Code {
    kOk,
    kNotFound,         // the thing asked for does not exist
    kInvalidArgument,  // the caller's input is wrong
    kTooLarge,         // the caller's input is more than occam takes
    kCorruption,       // stored data is damaged or not ours
    kIOError,          // the operating system refused
    kBusy,             // someone else holds what we need (a lock)
    kUnavailable,      // a remote component did not answer
    kInternal,         // a broken invariant that we report instead of abort
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status NotFound(std::string m) { return {Code::kNotFound, m}; }
  static Status InvalidArgument(std::string m) {
    return {Code::kInvalidArgument, m};
  }
  static Status TooLarge(std::string m) { return {Code::kTooLarge, m}; }
  static Status Corruption(std::string m) { return {Code::kCorruption, m}; }
  static Status IOError(std::string m) { return {Code::kIOError, m}; }
  static Status Busy(std::string m) { return {Code::kBusy, m}; }
  static Status Unavailable(std::string m) { return {Code::kUnavailable, m}; }
  static Status Internal(std::string m) { return {Code::kInternal, m}; }

  bool ok() const { return code_ == Code::kOk; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The same category with another message (an error with context added).
  Status WithMessage(std::string message) const {
    return Status(code_, std::move(message));
  }
  // "ok", or the category and message: "I/O error: cannot open x".
  std::string ToString() const;

 private:
  Status(Code code, std::string message)
      : code_(code), message_(std::move(message)) {}

  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace occam
