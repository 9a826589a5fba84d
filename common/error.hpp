#pragma once
// An error that ends the program: its message already says what failed, on
// what, and what to do; `exit` is the sysexits code to leave with.
#include <stdexcept>
#include <string>

#include "common/exit_codes.hpp"

namespace hlsmesh {

class Error : public std::runtime_error {
 public:
  Error(Exit exit_code, const std::string& message) : std::runtime_error(message), exit_(exit_code) {}
  Exit exit() const { return exit_; }

 private:
  Exit exit_;
};

// "Permission denied (EACCES)" style text for errno values.
std::string errno_text(int err);

}  // namespace hlsmesh
