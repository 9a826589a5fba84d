#include "tools/meshrelay/master_renditions.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>

namespace hlsmesh::meshrelay {
namespace {

struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

std::string unquoted(const std::string& value) {
  return value.size() >= 2 && value.front() == '"' && value.back() == '"' ? value.substr(1, value.size() - 2) : value;
}

std::string attribute(const m3u8::Variant& v, std::string_view name) {
  for (const auto& [n, value] : v.other_attributes) {
    if (n == name) return unquoted(value);
  }
  return {};
}

// What hls.js parses out of a variant's attributes (its level).
LevelInfo level_of(const m3u8::Variant& v, int position) {
  LevelInfo level;
  level.position = position;
  level.bandwidth = v.bandwidth;
  level.video_codecs = video_codecs_of(v.codecs);
  level.audio_codecs = audio_codecs_of(v.codecs);
  if (auto x = v.resolution.find('x'); x != std::string::npos) {
    level.width = std::strtoull(v.resolution.c_str(), nullptr, 10);
    level.height = std::strtoull(v.resolution.c_str() + x + 1, nullptr, 10);
  }
  level.frame_rate = attribute(v, "FRAME-RATE");
  level.video_range = attribute(v, "VIDEO-RANGE");
  level.name = attribute(v, "NAME");
  if (v.frame_rate && level.frame_rate.empty()) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", *v.frame_rate);
    level.frame_rate = buffer;
  }
  return level;
}

struct AudioTrack {
  LevelInfo level;
  std::string uri;  // "" for audio carried in the variants
};

// hls.js' audio tracks: EXT-X-MEDIA TYPE=AUDIO in order, the codecs those of
// the first variant of its group (else of the first variant); a "main" track
// is put first when the variants carry audio and name no group.
std::vector<AudioTrack> audio_tracks(const m3u8::MasterPlaylist& master) {
  std::vector<AudioTrack> tracks;
  for (const auto& tag : master.tags) {
    if (!tag.starts_with("#EXT-X-MEDIA:")) continue;
    auto attributes = m3u8::parse_attributes(std::string_view(tag).substr(13));
    if (!attributes) continue;
    AudioTrack track;
    track.level.type = "secondary";
    std::string type, group, language, name;
    for (const auto& a : *attributes) {
      if (a.name == "TYPE") type = a.value;
      if (a.name == "GROUP-ID") group = a.value;
      if (a.name == "LANGUAGE") language = a.value;
      if (a.name == "NAME") name = a.value;
      if (a.name == "CHANNELS") track.level.channels = a.value;
      if (a.name == "URI") track.uri = a.value;
    }
    if (type != "AUDIO") continue;
    track.level.language = language;
    track.level.name = name.empty() ? language : name;
    const m3u8::Variant* codecs_from = master.variants.empty() ? nullptr : &master.variants.front();
    for (const auto& v : master.variants) {
      if (attribute(v, "AUDIO") == group) {
        codecs_from = &v;
        break;
      }
    }
    if (codecs_from) track.level.audio_codecs = audio_codecs_of(codecs_from->codecs);
    tracks.push_back(std::move(track));
  }
  const bool embedded = std::any_of(tracks.begin(), tracks.end(), [](const auto& t) { return t.uri.empty(); });
  if (!tracks.empty() && !embedded && !master.variants.empty() &&
      !audio_codecs_of(master.variants.front().codecs).empty() && attribute(master.variants.front(), "AUDIO").empty())
    tracks.insert(tracks.begin(), AudioTrack{});
  for (std::size_t k = 0; k < tracks.size(); ++k) tracks[k].level.position = static_cast<int>(k);
  return tracks;
}

}  // namespace

std::string resolve_url(const std::string& base, const std::string& relative) {
  std::unique_ptr<CURLU, UrlDeleter> url(curl_url());
  if (curl_url_set(url.get(), CURLUPART_URL, base.c_str(), 0) != CURLUE_OK) return relative;
  if (curl_url_set(url.get(), CURLUPART_URL, relative.c_str(), 0) != CURLUE_OK) return relative;
  char* text = nullptr;
  if (curl_url_get(url.get(), CURLUPART_URL, &text, 0) != CURLUE_OK) return relative;
  std::string out = text;
  curl_free(text);
  return out;
}

std::vector<Rendition> renditions_of(const m3u8::MasterPlaylist& master, const std::string& base) {
  std::vector<Rendition> out;
  for (const auto& v : master.variants) {
    const int position = static_cast<int>(out.size());
    out.push_back({position, level_of(v, position), resolve_url(base, v.uri)});
  }
  for (auto& track : audio_tracks(master)) {
    if (track.uri.empty()) continue;  // its segments are the variants'
    out.push_back({static_cast<int>(out.size()), std::move(track.level), resolve_url(base, track.uri)});
  }
  return out;
}

}  // namespace hlsmesh::meshrelay
