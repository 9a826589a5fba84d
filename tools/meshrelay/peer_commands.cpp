#include "tools/meshrelay/peer_commands.hpp"

#include <map>
#include <utility>

namespace hlsmesh::meshrelay {
namespace {

constexpr std::size_t frame = 4;
constexpr std::string_view command_start = "cstr", command_end = "cend";
constexpr std::string_view part_start = "dstr", part_end = "dend";

enum Item : std::uint8_t { item_int = 0, item_similar_ints = 1, item_string = 2 };

// Sign-and-magnitude big-endian, as few bytes as hold the value and a sign bit.
void put_int(std::string& out, std::int64_t value) {
  const bool negative = value < 0;
  const auto magnitude = negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  std::size_t bits = 1;  // the sign bit
  for (auto v = magnitude; v != 0; v >>= 1) ++bits;
  if (magnitude == 0) ++bits;  // "0" is one binary digit
  const std::size_t length = (bits + 7) / 8;
  out += static_cast<char>((item_int << 4) | length);
  for (std::size_t k = 0; k < length; ++k) {
    auto byte = static_cast<std::uint8_t>(length - 1 - k < 8 ? (magnitude >> (8 * (length - 1 - k))) & 0xff : 0);
    if (k == 0 && negative) byte |= 0x80;
    out += static_cast<char>(byte);
  }
}

// Ids grouped by all but their low byte, groups in order of first
// appearance; a group holds at most 255 ids (its count is one byte).
void put_similar_ints(std::string& out, const std::vector<std::int64_t>& ids) {
  std::vector<std::pair<std::int64_t, std::string>> groups;
  std::map<std::int64_t, std::size_t> open;
  for (auto id : ids) {
    const std::int64_t common = id & ~std::int64_t{0xff};
    auto it = open.find(common);
    if (it == open.end() || groups[it->second].second.size() == 255) {
      it = open.insert_or_assign(common, groups.size()).first;
      groups.emplace_back(common, std::string());
    }
    groups[it->second].second += static_cast<char>(id & 0xff);
  }
  out += static_cast<char>(item_similar_ints << 4);
  out += static_cast<char>(groups.size());
  for (const auto& [common, low_bytes] : groups) {
    put_int(out, common | static_cast<std::int64_t>(low_bytes.size()));
    out += low_bytes;
  }
}

std::string frame_part(std::string_view body, std::string_view start, std::string_view end) {
  std::string out;
  out.reserve(body.size() + 2 * frame);
  out.append(start).append(body).append(end);
  return out;
}

struct Reader {
  std::string_view bytes;
  std::size_t offset = 0;

  std::uint8_t byte() {
    if (offset >= bytes.size()) throw MalformedCommand("command cut short at byte " + std::to_string(offset));
    return static_cast<std::uint8_t>(bytes[offset++]);
  }
  std::int64_t integer() {
    const auto meta = byte();
    if (meta >> 4 != item_int) throw MalformedCommand("expected an integer at byte " + std::to_string(offset - 1));
    const std::size_t length = meta & 0x0f;
    if (length == 0 || length > 8) throw MalformedCommand("integer of " + std::to_string(length) + " bytes");
    std::uint64_t value = byte() & 0x7f;
    const bool negative = (static_cast<std::uint8_t>(bytes[offset - 1]) & 0x80) != 0;
    for (std::size_t k = 1; k < length; ++k) value = (value << 8) | byte();
    if (value > (std::uint64_t{1} << 53)) throw MalformedCommand("integer beyond 2^53");
    return negative ? -static_cast<std::int64_t>(value) : static_cast<std::int64_t>(value);
  }
  std::vector<std::int64_t> similar_ints() {
    byte();  // type, checked by the caller
    const auto groups = byte();
    std::vector<std::int64_t> ids;
    for (unsigned g = 0; g < groups; ++g) {
      const auto with_length = integer();
      const auto common = with_length & ~std::int64_t{0xff};
      for (auto k = with_length & 0xff; k > 0; --k) ids.push_back(common | byte());
    }
    return ids;
  }
  void skip_string() {
    const std::size_t length = (static_cast<std::size_t>(byte() & 0x0f) << 8) | byte();
    if (bytes.size() - offset < length) throw MalformedCommand("string runs past the command's end");
    offset += length;
  }
};

}  // namespace

std::vector<std::string> serialize(const Command& c, std::size_t max_message) {
  std::string body(1, static_cast<char>(c.type));
  auto field = [&](char name, const std::optional<std::int64_t>& value) {
    if (!value) return;
    body += name;
    put_int(body, *value);
  };
  switch (c.type) {
    case CommandType::segments_announcement:
      if (!c.l.empty()) body += 'l', put_similar_ints(body, c.l);
      if (!c.p.empty()) body += 'p', put_similar_ints(body, c.p);
      break;
    case CommandType::segment_data:
      field('i', c.i), field('s', c.s), field('r', c.r);
      break;
    case CommandType::segment_request:
      field('i', c.i), field('r', c.r);
      if (c.b && *c.b != 0) field('b', c.b);
      break;
    default:
      field('i', c.i), field('r', c.r);
      break;
  }
  if (body.size() + 2 * frame <= max_message) return {frame_part(body, command_start, command_end)};

  std::size_t count = (body.size() + max_message - 1) / max_message;
  if ((body.size() + count - 1) / count + 2 * frame > max_message) ++count;
  const std::size_t part = (body.size() + count - 1) / count;
  std::vector<std::string> out;
  for (std::size_t k = 0; k < count; ++k) {
    auto piece = std::string_view(body).substr(std::min(body.size(), k * part), part);
    out.push_back(frame_part(piece, k == 0 ? command_start : part_start, k + 1 == count ? command_end : part_end));
  }
  return out;
}

Command deserialize(std::string_view bytes) {
  Reader in{bytes};
  Command c;
  const auto type = in.byte();
  if (type > static_cast<std::uint8_t>(CommandType::cancel_segment_request)) {
    throw MalformedCommand("unknown command type " + std::to_string(type));
  }
  c.type = static_cast<CommandType>(type);
  while (in.offset < bytes.size()) {
    const char name = static_cast<char>(in.byte());
    if (in.offset >= bytes.size()) throw MalformedCommand(std::string("field '") + name + "' has no value");
    const auto item = static_cast<std::uint8_t>(bytes[in.offset]) >> 4;
    if (item == item_int) {
      const auto value = in.integer();
      if (name == 'i') c.i = value;
      if (name == 'r') c.r = value;
      if (name == 's') c.s = value;
      if (name == 'b') c.b = value;
    } else if (item == item_similar_ints) {
      auto ids = in.similar_ints();
      if (name == 'l') c.l = std::move(ids);
      if (name == 'p') c.p = std::move(ids);
    } else if (item == item_string) {
      in.skip_string();
    } else {
      throw MalformedCommand("unknown field type " + std::to_string(item) + " at byte " + std::to_string(in.offset));
    }
  }
  return c;
}

bool is_command_chunk(std::string_view m) {
  if (m.size() < 2 * frame) return false;
  const auto start = m.substr(0, frame), end = m.substr(m.size() - frame);
  return (start == command_start || start == part_start) && (end == command_end || end == part_end);
}

std::optional<std::string> CommandJoiner::add(std::string_view message) {
  const bool first = message.substr(0, frame) == command_start;
  if (!joining_ && !first) throw MalformedCommand("a command part arrived without its first part");
  if (joining_ && first) {
    pending_.clear();
    joining_ = false;
    throw MalformedCommand("a new command began before the previous one ended");
  }
  joining_ = true;
  pending_.append(message.substr(frame, message.size() - 2 * frame));
  if (pending_.size() > max_bytes_) {
    pending_.clear();
    joining_ = false;
    throw MalformedCommand("a command over " + std::to_string(max_bytes_) + " bytes");
  }
  if (message.substr(message.size() - frame) != command_end) return std::nullopt;
  joining_ = false;
  return std::exchange(pending_, {});
}

}  // namespace hlsmesh::meshrelay
