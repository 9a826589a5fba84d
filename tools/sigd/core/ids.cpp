#include "tools/sigd/core/ids.hpp"

#include <algorithm>

namespace hlsmesh::sigd {

std::optional<Id20> decode_binary_string(std::string_view s) {
  Id20 id;
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    if (n == 20) return std::nullopt;
    const auto b0 = static_cast<uint8_t>(s[i]);
    if (b0 < 0x80) {
      id.bytes[n++] = b0;
      i += 1;
    } else if ((b0 == 0xC2 || b0 == 0xC3) && i + 1 < s.size() && (static_cast<uint8_t>(s[i + 1]) & 0xC0) == 0x80) {
      id.bytes[n++] = static_cast<uint8_t>(((b0 & 0x1F) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3F));
      i += 2;
    } else {
      return std::nullopt;  // a code point above U+00FF, or malformed UTF-8
    }
  }
  if (n != 20) return std::nullopt;
  return id;
}

namespace {
constexpr char hex_digits[] = "0123456789abcdef";

void append_escaped_byte(std::string& out, uint8_t c) {
  switch (c) {
    case '"': out += "\\\""; return;
    case '\\': out += "\\\\"; return;
    case '\b': out += "\\b"; return;
    case '\f': out += "\\f"; return;
    case '\n': out += "\\n"; return;
    case '\r': out += "\\r"; return;
    case '\t': out += "\\t"; return;
    default: break;
  }
  if (c < 0x20) {
    out += "\\u00";
    out += hex_digits[c >> 4];
    out += hex_digits[c & 0xF];
  } else {
    out += static_cast<char>(c);
  }
}

// Bytes that JSON.stringify writes as they are.
bool plain(uint8_t c) { return c >= 0x20 && c != '"' && c != '\\'; }

}  // namespace

void append_json_id(std::string& out, const Id20& id) {
  out += '"';
  // Most ids (every browser's) are printable ASCII: one append.
  if (std::all_of(id.bytes.begin(), id.bytes.end(), [](uint8_t c) { return plain(c) && c < 0x80; })) {
    out.append(id.view());
    out += '"';
    return;
  }
  for (uint8_t c : id.bytes) {
    if (c < 0x80) {
      append_escaped_byte(out, c);
    } else {
      out += static_cast<char>(0xC0 | (c >> 6));
      out += static_cast<char>(0x80 | (c & 0x3F));
    }
  }
  out += '"';
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  size_t run = 0;  // start of the bytes not written yet, appended in runs
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<uint8_t>(s[i]);
    if (plain(c)) continue;
    out.append(s.data() + run, i - run);
    append_escaped_byte(out, c);
    run = i + 1;
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

std::string to_hex(const Id20& id) {
  std::string out;
  out.reserve(40);
  for (uint8_t c : id.bytes) {
    out += hex_digits[c >> 4];
    out += hex_digits[c & 0xF];
  }
  return out;
}

std::optional<Id20> from_hex(std::string_view hex) {
  if (hex.size() != 40) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  Id20 id;
  for (size_t i = 0; i < 20; ++i) {
    int hi = nibble(hex[2 * i]), lo = nibble(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return id;
}

}  // namespace hlsmesh::sigd
