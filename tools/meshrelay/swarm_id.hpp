#pragma once
// How p2p-media-loader v2 names a stream's swarm on the tracker
// (p2p-media-loader-core src/utils/stream.ts and src/utils/peer.ts): the
// swarm id "v2-<swarmId>-<type>-<index>" turned into a 20-character
// info_hash. The hash differs between releases, so the relay must know which
// one its viewers run.
#include <string>
#include <string_view>

namespace hlsmesh::meshrelay {

enum class P2pmlRelease { v2_2, v2_3 };

// "2.2" / "2.3" (a patch level is accepted and ignored); throws
// hlsmesh::Error(Exit::usage) for anything else.
P2pmlRelease parse_release(std::string_view text);
std::string_view release_name(P2pmlRelease release);

// The swarm id a viewer derives: `swarm` is the configured swarmId or the
// manifest URL without its query; `type` is "main" or "secondary".
std::string stream_swarm_id(std::string_view swarm, std::string_view type, int index);

// The manifest URL as p2p-media-loader uses it for the default swarm id
// (everything from the first '?' dropped).
std::string without_query(std::string_view url);

// 2.2.x: base64(md5(id)[1..16]); 2.3.x: base64(sha1(id)[0..15]). Both are
// 20 ASCII characters, announced as the 20 info_hash bytes.
std::string info_hash(std::string_view stream_swarm_id, P2pmlRelease release);

// A 20-character peer id: "-MR0100-" and 12 random alphanumerics.
std::string make_peer_id();

}  // namespace hlsmesh::meshrelay
