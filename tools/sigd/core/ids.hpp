#pragma once
// 20-byte BitTorrent ids (info_hash, peer_id, offer_id). On the WebTorrent wire
// they are latin1 "binary strings" inside UTF-8 JSON: 20 code points, each
// U+0000..U+00FF. sigd keeps raw bytes so WebSocket and HTTP swarms share keys.
#include <array>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace hlsmesh::sigd {

struct Id20 {
  std::array<uint8_t, 20> bytes{};
  bool operator==(const Id20&) const = default;
  std::string_view view() const { return {reinterpret_cast<const char*>(bytes.data()), bytes.size()}; }
  static Id20 from_raw(std::string_view raw) {  // raw.size() must be 20
    Id20 id;
    std::memcpy(id.bytes.data(), raw.data(), 20);
    return id;
  }
};

struct Id20Hash {
  size_t operator()(const Id20& id) const noexcept { return std::hash<std::string_view>{}(id.view()); }
};

// Decodes a UTF-8 string of exactly 20 code points <= U+00FF; nullopt otherwise.
std::optional<Id20> decode_binary_string(std::string_view utf8);

// Appends `id` as a JSON string literal (quotes included), escaped the way
// JSON.stringify escapes a latin1 string.
void append_json_id(std::string& out, const Id20& id);
// Appends any UTF-8 string as a JSON string literal (quotes included).
void append_json_string(std::string& out, std::string_view utf8);

std::string to_hex(const Id20& id);
std::optional<Id20> from_hex(std::string_view hex);

}  // namespace hlsmesh::sigd
