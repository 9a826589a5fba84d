#pragma once
// Building one v1-only, single-file torrent per segment, in memory, from
// piece hashes computed by PieceHasher (no lt::set_piece_hashes: it builds an
// io_context and a disk backend per call and reads the file back), which is
// what keeps a 2 MiB segment near the cost of SHA-1 itself.
#include <libtorrent/sha1_hash.hpp>
#include <libtorrent/torrent_info.hpp>

#include <cstdint>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hlsmesh::torrentseed {

struct TorrentSpec {
  std::string name;                   // file name inside the torrent (the segment's basename)
  std::string web_seed_url;           // the segment's full CDN URL (BEP 19 url-list); empty = none
  std::vector<std::string> trackers;  // http(s)/udp announce URLs, one tier each
  int piece_size = 256 * 1024;        // a multiple of 16 KiB
};

struct MadeTorrent {
  std::vector<char> buffer;                      // the bencoded .torrent
  std::shared_ptr<lt::torrent_info> info;        // loaded from `buffer`
  std::string infohash;                          // v1 btih, 40 lowercase hex
};

// Throws std::invalid_argument for an empty segment or a bad piece size.
void check_torrent_spec(std::int64_t size, const TorrentSpec& spec);

// The torrent of a `size`-byte file whose pieces (spec.piece_size each, the
// last one shorter) hash to `piece_hashes`. Throws std::invalid_argument as
// check_torrent_spec does, or when the hash count does not match.
MadeTorrent make_torrent(std::int64_t size, const std::vector<lt::sha1_hash>& piece_hashes, const TorrentSpec& spec);

// Same, hashing `content` on the calling thread.
MadeTorrent make_torrent(std::string_view content, const TorrentSpec& spec);

// The magnet of `info` (btih, dn, tr for its trackers, ws for its web seeds)
// plus `extra_trackers` (ws/wss trackers libtorrent 2.0.8 cannot announce to,
// but browsers can) as further tr= parameters.
std::string make_magnet(const lt::torrent_info& info, const std::vector<std::string>& extra_trackers);

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

// "0123…" lowercase hex of the v1 info-hash; empty when the torrent has none.
std::string infohash_hex(const lt::info_hash_t& hashes);

// True for a 40-character hex string.
bool is_infohash(std::string_view text);

}  // namespace hlsmesh::torrentseed
