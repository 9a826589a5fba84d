#pragma once
// How p2p-media-loader v2 names a stream's swarm on the tracker
// (p2p-media-loader-core src/utils/stream.ts and src/utils/peer.ts): the
// swarm id "v2-<swarmId>-<type>-<index>" turned into a 20-character
// info_hash. The hash differs between releases, so the relay must know which
// one its viewers run.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hlsmesh::meshrelay {

enum class P2pmlRelease { v2_2, v2_3 };

// "2.2" / "2.3" (a patch level is accepted and ignored); throws
// hlsmesh::Error(Exit::usage) for anything else.
P2pmlRelease parse_release(std::string_view text);
std::string_view release_name(P2pmlRelease release);

// What p2p-media-loader reads of a rendition to name its stream. A variant
// (hls.js' level, stream type "main"): 2.2 its position among the variants,
// 2.3 BANDWIDTH, the video codecs of CODECS, RESOLUTION, FRAME-RATE,
// VIDEO-RANGE; all empty for a media playlist loaded alone. An audio
// rendition (EXT-X-MEDIA TYPE=AUDIO, hls.js' audio track, type
// "secondary"): 2.2 its position among the audio tracks, 2.3 the audio
// codecs of a variant of its group, LANGUAGE, CHANNELS and NAME.
struct LevelInfo {
  std::string type = "main";  // or "secondary"
  int position = 0;           // among the variants, or among the audio tracks
  std::uint64_t bandwidth = 0;
  std::string video_codecs;  // as hls.js splits them out of CODECS
  std::optional<std::uint64_t> width, height;
  std::string frame_rate, video_range;  // attribute values as written
  std::string name;  // NAME: hashed for audio only; the viewer page names its rendition after it
  std::string audio_codecs, language, channels;  // audio renditions
};

// Where the bitrate 2.3 hashes comes from: the master's BANDWIDTH (stock
// p2p-media-loader), or the rendition's place in the master plus one (the
// hlsmesh viewer page rewrites it so, because m3u8roll's BANDWIDTH moves).
enum class LevelBitrate { bandwidth, position };

// hls.js' videoCodec: the CODECS entries that name a video codec, in order.
std::string video_codecs_of(std::string_view codecs);
// hls.js' audioCodec: the CODECS entries whose first four characters are an
// audio sample entry (mp4a, ac-3, ec-3, Opus, fLaC, …), joined by ','.
std::string audio_codecs_of(std::string_view codecs);

// 2.3's stream index (generateStreamShortId): base64(sha1 of the normalized
// "bitrate-codecs-width-height-----framerate-videorange").
std::string stream_short_id(const LevelInfo& level, std::uint64_t bitrate);

// 2.3's index of an audio rendition: generateStreamShortId of bitrate 0,
// its codecs, language, channels and name.
std::string audio_short_id(const LevelInfo& level);

// The <index> of "<type>-<index>": the rendition's position for 2.2, the
// short id above for 2.3 (audio_short_id for a secondary stream).
std::string stream_index(P2pmlRelease release, const LevelInfo& level, int position, LevelBitrate bitrate);

// The swarm id a viewer derives: `swarm` is the configured swarmId or the
// manifest URL without its query; `type` is "main" or "secondary".
std::string stream_swarm_id(std::string_view swarm, std::string_view type, std::string_view index);

// The manifest URL as p2p-media-loader uses it for the default swarm id
// (everything from the first '?' dropped).
std::string without_query(std::string_view url);

// 2.2.x: base64(md5(id)[1..16]); 2.3.x: base64(sha1(id)[0..15]). Both are
// 20 ASCII characters, announced as the 20 info_hash bytes.
std::string info_hash(std::string_view stream_swarm_id, P2pmlRelease release);

// A 20-character peer id: "-MR0100-" and 12 random alphanumerics.
std::string make_peer_id();
// Another meshrelay's (any release): it never requests segments, so a
// connection to it would only hold a pipeline and a peer slot.
inline bool is_relay_peer_id(std::string_view peer_id) { return peer_id.starts_with("-MR"); }

}  // namespace hlsmesh::meshrelay
