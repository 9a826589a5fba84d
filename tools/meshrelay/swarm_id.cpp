#include "tools/meshrelay/swarm_id.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <random>
#include <stdexcept>

#include "common/error.hpp"

namespace hlsmesh::meshrelay {
namespace {

std::string digest(const EVP_MD* md, std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &length, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest failed");
  }
  return {reinterpret_cast<const char*>(out.data()), length};
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

P2pmlRelease parse_release(std::string_view text) {
  if (text.starts_with("2.2")) return P2pmlRelease::v2_2;
  if (text.starts_with("2.3")) return P2pmlRelease::v2_3;
  throw Error(Exit::usage, "--p2pml " + std::string(text) +
                               ": expected the p2p-media-loader release the viewers run, 2.2 or 2.3 (their swarm "
                               "hashes differ)");
}

std::string_view release_name(P2pmlRelease release) { return release == P2pmlRelease::v2_2 ? "2.2" : "2.3"; }

std::string stream_swarm_id(std::string_view swarm, std::string_view type, std::string_view index) {
  return "v2-" + std::string(swarm) + "-" + std::string(type) + "-" + std::string(index);
}

std::string video_codecs_of(std::string_view codecs) {
  static constexpr std::string_view video[] = {"avc1", "avc3", "hvc1", "hev1", "dvh1", "dvhe", "dva1", "dvav",
                                               "vp09", "vp9",  "vp08", "vp8",  "av01", "mp4v"};
  std::string out;
  while (!codecs.empty()) {
    auto comma = codecs.find(',');
    auto item = codecs.substr(0, comma);
    codecs = comma == std::string_view::npos ? std::string_view() : codecs.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    const auto family = item.substr(0, item.find('.'));
    for (auto v : video) {
      if (family == v) {
        if (!out.empty()) out += ',';
        out += item;
        break;
      }
    }
  }
  return out;
}

std::string audio_codecs_of(std::string_view codecs) {
  static constexpr std::string_view audio[] = {"a3ds", "ac-3", "ac-4", "alac", "alaw", "dra1", "dts+", "dts-",
                                               "dtsc", "dtse", "dtsh", "ec-3", "enca", "fLaC", "flac", "FLAC",
                                               "g719", "g726", "m4ae", "mha1", "mha2", "mhm1", "mhm2", "mlpa",
                                               "mp4a", "raw ", "Opus", "opus", "samr", "sawb", "sawp", "sevc",
                                               "sqcp", "ssmv", "twos", "ulaw"};
  std::string out;
  // hls.js splits CODECS on runs of spaces and commas.
  for (std::size_t at = 0; at < codecs.size();) {
    const auto start = codecs.find_first_not_of(" ,", at);
    if (start == std::string_view::npos) break;
    auto end = codecs.find_first_of(" ,", start);
    if (end == std::string_view::npos) end = codecs.size();
    const auto item = codecs.substr(start, end - start);
    if (std::find(std::begin(audio), std::end(audio), item.substr(0, 4)) != std::end(audio)) {
      if (!out.empty()) out += ',';
      out += item.substr(0, item.find('/'));
    }
    at = end;
  }
  return out;
}

namespace {

// 2.3 lower-cases each codec, rewrites decimal avc1.PROFILE.LEVEL as hex
// (avc1.66.30 -> avc1.42001e) and sorts them.
std::string normalized_codecs(std::string_view codecs) {
  std::vector<std::string> items;
  std::string all(codecs);
  for (std::size_t at = 0; at <= all.size();) {
    auto comma = all.find(',', at);
    if (comma == std::string::npos) comma = all.size();
    std::string c = all.substr(at, comma - at);
    c.erase(0, c.find_first_not_of(' '));
    c.erase(c.find_last_not_of(' ') + 1);
    for (char& ch : c) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    auto d1 = c.find('.'), d2 = c.find('.', d1 == std::string::npos ? d1 : d1 + 1);
    if (d1 != std::string::npos && d2 != std::string::npos && c.find('.', d2 + 1) == std::string::npos &&
        (c.substr(0, d1) == "avc1" || c.substr(0, d1) == "avc")) {
      auto profile = c.substr(d1 + 1, d2 - d1 - 1), level = c.substr(d2 + 1);
      auto decimal = [](const std::string& t) {
        return !t.empty() && t.find_first_not_of("0123456789") == std::string::npos && (t == "0" || t[0] != '0');
      };
      if (decimal(profile) && decimal(level)) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%02x00%02x", std::stoi(profile), std::stoi(level));
        c = c.substr(0, d1) + "." + hex;
      }
    }
    items.push_back(c);
    at = comma + 1;
  }
  std::sort(items.begin(), items.end());
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// JavaScript's Number(text).toString() for the frame rates written in playlists.
std::string js_number(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end == text.c_str() || *end != '\0') return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.15g", value);
  return buffer;
}

}  // namespace

std::string stream_short_id(const LevelInfo& level, std::uint64_t bitrate) {
  const bool missing = bitrate == 0;  // p2p-media-loader then hashes the bitrate alone
  std::string up;
  for (char ch : level.video_range) up += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  const std::string text = std::to_string(bitrate) + "-" + (missing ? "" : normalized_codecs(level.video_codecs)) +
                           "-" + (missing || !level.width ? "" : std::to_string(*level.width)) + "-" +
                           (missing || !level.height ? "" : std::to_string(*level.height)) + "----" +
                           (missing ? "" : js_number(level.frame_rate)) + "-" + (missing ? "" : up);
  return base64(digest(EVP_sha1(), text));
}

std::string audio_short_id(const LevelInfo& level) {
  auto lower = [](std::string text) {
    for (char& ch : text) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    return text;
  };
  const std::string language = level.language == "und" ? "" : lower(level.language.substr(0, 2));
  std::string name = lower(level.name);
  name.erase(0, name.find_first_not_of(" \t\r\n"));
  name.erase(name.find_last_not_of(" \t\r\n") + 1);
  const std::string text = "0-" + normalized_codecs(level.audio_codecs) + "---" + language + "-" +
                           level.channels.substr(0, level.channels.find('/')) + "-" + name + "--";
  return base64(digest(EVP_sha1(), text));
}

std::string stream_index(P2pmlRelease release, const LevelInfo& level, int position, LevelBitrate bitrate) {
  if (release == P2pmlRelease::v2_2) return std::to_string(position);
  if (level.type == "secondary") return audio_short_id(level);
  return stream_short_id(level, bitrate == LevelBitrate::position ? static_cast<std::uint64_t>(position) + 1
                                                                   : level.bandwidth);
}

std::string without_query(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

std::string info_hash(std::string_view id, P2pmlRelease release) {
  if (release == P2pmlRelease::v2_2) return base64(digest(EVP_md5(), id).substr(1, 15));
  return base64(digest(EVP_sha1(), id).substr(0, 15));
}

std::string make_peer_id() {
  static constexpr std::string_view symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, symbols.size() - 1);
  std::string id = "-MR0100-";
  while (id.size() < 20) id += symbols[pick(device)];
  return id;
}

}  // namespace hlsmesh::meshrelay
