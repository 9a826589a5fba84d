#pragma once
// The event contract (docs/events.md) in code: the table of every event's
// fields, and typed readers and builders over an event's JSON object.
// Readers never throw on a missing or mistyped field (nullopt), and nothing
// here removes a field: programs are filters that pass unknown fields on.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "common/event_io.hpp"

namespace hlsmesh::events {

// One row of docs/events.md. `event` "*" is a field added to any event.
struct Field {
  std::string_view event;
  std::string_view name;
  std::string_view type;      // string | integer | number | boolean | object | array
  std::string_view added_by;  // the program that adds it
};

// Every field of docs/events.md, in its order (the contract test compares).
std::span<const Field> fields();

// The contract row of `event`'s field `name` (or of a field any event gets).
const Field* find_field(std::string_view event, std::string_view name);

// The event's name, or "" when the line has none (not an object, no string `event`).
std::string name(const Json& event);

// Typed readers: the value when present with the right type, else nullopt.
std::optional<std::string> string_field(const Json& event, std::string_view field);
std::optional<int64_t> integer_field(const Json& event, std::string_view field);
std::optional<double> number_field(const Json& event, std::string_view field);
std::optional<bool> bool_field(const Json& event, std::string_view field);

// A field as text for names and keys: a string as is, "" when missing or null,
// any other value as its JSON (an integer msn reads "42").
std::string text_field(const Json& event, std::string_view field);

// A new event object {"event": name}: the builders every program starts from.
Json make(std::string_view name);

}  // namespace hlsmesh::events
