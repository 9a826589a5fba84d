#pragma once
// What a watched directory holds: a master playlist and its variant
// playlists (Owncast data/hls), one or more media playlists (a variant
// directory, ffmpeg, SRS), or variant subdirectories without a master yet.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace hlsmesh::hlswatch {

struct DiscoveredRendition {
  std::string name;           // "0", "1", ... or the directory / playlist name
  std::string playlist_path;  // absolute
  std::string dir;            // directory of the playlist (segment URIs are relative to it)
};

struct MasterVariant {
  std::string rendition;
  uint64_t bandwidth = 0;
  std::optional<uint64_t> average_bandwidth;
  std::string codecs;
  std::string resolution;
  std::optional<double> frame_rate;
  std::string uri;
  bool operator==(const MasterVariant&) const = default;
};

struct Discovery {
  enum class Kind { none, media, master, subdirs };
  Kind kind = Kind::none;
  int error = 0;           // errno when the directory itself could not be read
  bool read_again = false;  // a playlist was caught mid-write: look again shortly
  std::string master_path;
  std::vector<MasterVariant> variants;  // kind == master
  std::vector<DiscoveredRendition> renditions;
};

// `playlist_name`: only this file name counts as the playlist in `root`
// (empty: any *.m3u8). `rendition_override` names a lone rendition.
Discovery discover(const std::string& root, const std::string& playlist_name, const std::string& rendition_override);

// Rendition name for a variant URI of a master playlist: "0/stream.m3u8" → "0",
// "stream_1.m3u8" → "stream_1".
std::string rendition_name_for_uri(const std::string& uri);

nlohmann::json master_renditions_json(const std::vector<MasterVariant>& variants);

// Reads a whole file; nullopt with errno set when it cannot be opened/read.
std::optional<std::string> read_file(const std::string& path);

// The last component of a path: "/data/hls/0/stream.m3u8" → "stream.m3u8".
std::string base_of(const std::string& path);

// A stable hash of playlist text (FNV-1a), to tell identical reads apart.
uint64_t text_hash(const std::string& text);

}  // namespace hlsmesh::hlswatch
