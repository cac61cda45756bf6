// liteq's error model: the library throws liteq::Error (never aborts on bad input);
// the CLI turns it into a message on stderr and a non-zero exit code.
#pragma once
#include <stdexcept>
#include <string>

#include <fmt/format.h>

namespace liteq {

enum class ErrorKind {
  kInvalidModel,     // the model file is malformed or inconsistent
  kUnsupported,      // valid, but liteq cannot do it (unknown op, dtype, ...)
  kInvalidArgument,  // the caller passed something wrong (shape, dtype, path, ...)
  kIo,               // reading or writing a file failed
  kInternal,         // a bug in liteq
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// Throws liteq::Error with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> f, Args&&... args) {
  throw Error(kind, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace liteq
