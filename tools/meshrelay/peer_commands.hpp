#pragma once
// p2p-media-loader v2's peer protocol commands on the data channel
// (p2p-media-loader-core src/p2p/commands/): a command is a type byte and
// named, typed fields, framed "cstr"…"cend" and split into several messages
// ("cstr"…"dend", "dstr"…"dend", "dstr"…"cend") when it does not fit one.
// Anything else on the channel is raw segment data.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hlsmesh::meshrelay {

enum class CommandType : std::uint8_t {
  segments_announcement = 0,  // l: loaded ids, p: ids loading over HTTP
  segment_request = 1,        // i, r, b (byte offset, optional)
  segment_data = 2,           // i, r, s (bytes that follow)
  segment_data_sending_completed = 3,
  segment_absent = 4,
  cancel_segment_request = 5,
};

struct Command {
  CommandType type = CommandType::segments_announcement;
  std::optional<std::int64_t> i, r, s, b;
  std::vector<std::int64_t> l, p;
  bool operator==(const Command&) const = default;
};

// A command naming one segment and request (absent, cancel, completed, request, data).
inline Command segment_command(CommandType type, std::int64_t id, std::int64_t request) {
  Command c;
  c.type = type;
  c.i = id;
  c.r = request;
  return c;
}

// A command the peer sent that cannot be decoded.
class MalformedCommand : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The messages carrying `command`, none longer than `max_message` bytes
// (p2p-media-loader sends 65,535 at most), byte for byte as
// serializePeerCommand makes them.
std::vector<std::string> serialize(const Command& command, std::size_t max_message = 65535);

// Decodes one unframed command; throws MalformedCommand.
Command deserialize(std::string_view bytes);

// True when a message is (part of) a command rather than segment data.
bool is_command_chunk(std::string_view message);

// Reassembles a command split over several messages. add() returns the
// unframed command once its last part arrived; throws MalformedCommand on a
// part out of order or a command over `max_bytes`.
class CommandJoiner {
 public:
  explicit CommandJoiner(std::size_t max_bytes = 1 << 20) : max_bytes_(max_bytes) {}
  std::optional<std::string> add(std::string_view message);

 private:
  std::string pending_;
  bool joining_ = false;
  std::size_t max_bytes_;
};

}  // namespace hlsmesh::meshrelay
