#include "common/refusal.hpp"

namespace hlsmesh {

namespace {

// An event's error message beyond this is cut: a curl or S3 answer can be long.
constexpr size_t error_message_limit = 2000;

}  // namespace

std::string Refusal::message() const {
  std::string text = what;
  if (!why.empty()) text += (text.empty() ? "" : ": ") + why;
  if (!fix.empty()) text += (text.empty() ? "" : "; ") + fix;
  return text;
}

void Refusal::log(const nlohmann::json& fields, log::Level level) const { log::write(level, message(), fields); }

nlohmann::json Refusal::error_field(std::string_view tool) const {
  std::string text = message();
  if (text.size() > error_message_limit) text.resize(error_message_limit);
  return {{"tool", tool}, {"message", log::redact(text)}};
}

}  // namespace hlsmesh
