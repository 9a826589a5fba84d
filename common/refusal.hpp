#pragma once
// A refusal: a program will not do what one event asks (upload it, seed it,
// list it) and the event goes on, saying why. Every program that acts on
// events says it in one shape: what was refused, why, and what to do, as one
// log line and, where the event contract has one, the event's error field.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "common/log.hpp"

namespace hlsmesh {

struct Refusal {
  std::string what;  // "not uploading /srv/hls/0/seg1.ts"
  std::string why;   // "its key '../seg1.ts' has a '..' segment"
  std::string fix;   // what the user can do about it; may be empty

  // "WHAT: WHY; FIX", or without the parts that are empty.
  std::string message() const;
  // message() at `level` (error unless the program goes on as well without
  // the event), with `fields` ({"path": ...}).
  void log(const nlohmann::json& fields = nullptr, log::Level level = log::Level::error) const;
  // The contract's `error` object: {"tool": TOOL, "message": message()},
  // the message redacted and bounded (one event line stays small).
  nlohmann::json error_field(std::string_view tool) const;
};

// A value, or the refusal that stands in its place.
template <class T>
class Refusable {
 public:
  Refusable(T value) : v_(std::move(value)) {}          // NOLINT: implicit, like std::expected
  Refusable(Refusal refusal) : v_(std::move(refusal)) {}  // NOLINT

  explicit operator bool() const { return v_.index() == 0; }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const Refusal& refusal() const { return std::get<1>(v_); }

 private:
  std::variant<T, Refusal> v_;
};

}  // namespace hlsmesh
