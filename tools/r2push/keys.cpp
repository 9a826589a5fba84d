#include "tools/r2push/keys.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string_view>

#include "common/error.hpp"
#include "common/events.hpp"
#include "common/http_client.hpp"
#include "common/media_types.hpp"
#include "common/text.hpp"
#include "common/url.hpp"

namespace hlsmesh::r2push {

namespace {

const char* const known_placeholders[] = {"prefix", "rendition", "stream", "name", "stem", "ext", "msn", "event", "hash"};

bool known(const std::string& name) {
  return std::any_of(std::begin(known_placeholders), std::end(known_placeholders),
                     [&](const char* k) { return name == k; });
}

}  // namespace

void validate_key_template(const std::string& key_template) {
  size_t pos = 0;
  bool has_name = false;
  while ((pos = key_template.find('{', pos)) != std::string::npos) {
    size_t end = key_template.find('}', pos);
    if (end == std::string::npos) {
      throw Error(Exit::config, "--key " + key_template + ": unclosed '{'; placeholders look like {rendition}");
    }
    std::string name = key_template.substr(pos + 1, end - pos - 1);
    if (!known(name)) {
      throw Error(Exit::config, "--key " + key_template + ": unknown placeholder {" + name +
                                    "}; use {prefix}, {rendition}, {stream}, {name}, {stem}, {ext}, {msn}, {event} or {hash}");
    }
    // {hash} alone tells files apart too: other bytes, another key.
    if (name == "name" || name == "stem" || name == "hash") has_name = true;
    pos = end + 1;
  }
  if (!has_name) {
    throw Error(Exit::config, "--key " + key_template +
                                  ": without {name}, {stem} or {hash} every file would get the same key; add {name}");
  }
}

bool uses_content_hash(const std::string& key_template) { return key_template.find("{hash}") != std::string::npos; }

std::string content_hash(const std::string& sha256_hex) { return sha256_hex.substr(0, content_hash_chars); }

std::string expand_key(const std::string& key_template, const std::string& prefix, const Json& event,
                       const std::string& hash) {
  // An empty {hash} would vanish and leave the name alone: the very key reuse
  // {hash} is there to prevent.
  if (hash.empty() && uses_content_hash(key_template)) {
    throw Error(Exit::config, "--key " + key_template + ": {hash} needs the bytes of the file, which this event does not bring");
  }
  std::filesystem::path path(events::text_field(event, "path"));
  std::map<std::string, std::string> values = {
      {"prefix", prefix},
      {"rendition", events::text_field(event, "rendition")},
      {"stream", events::text_field(event, "stream")},
      {"name", path.filename().string()},
      {"stem", path.stem().string()},
      {"ext", path.has_extension() ? path.extension().string().substr(1) : std::string()},
      {"msn", events::text_field(event, "msn")},
      {"event", events::text_field(event, "event")},
      {"hash", hash},
  };
  std::string out;
  size_t pos = 0;
  while (pos < key_template.size()) {
    size_t open = key_template.find('{', pos);
    if (open == std::string::npos) {
      out += key_template.substr(pos);
      break;
    }
    out += key_template.substr(pos, open - pos);
    size_t close = key_template.find('}', open);
    if (close == std::string::npos) throw Error(Exit::config, "--key " + key_template + ": unclosed '{'");
    std::string name = key_template.substr(open + 1, close - open - 1);
    auto it = values.find(name);
    if (it == values.end()) throw Error(Exit::config, "--key " + key_template + ": unknown placeholder {" + name + "}");
    out += it->second;
    pos = close + 1;
  }
  // Collapse the '/' left by empty placeholders; no leading or trailing '/'.
  std::string key;
  for (char c : out) {
    if (c == '/' && (key.empty() || key.back() == '/')) continue;
    key += c;
  }
  while (!key.empty() && key.back() == '/') key.pop_back();
  return key;
}

std::string key_problem(const std::string& key) {
  if (key.empty()) return "it is empty";
  if (key.find('\0') != std::string::npos) return "it contains a NUL byte";
  if (key.front() == '/') return "it starts with '/' (an absolute path)";
  size_t begin = 0;
  for (;;) {
    size_t end = key.find('/', begin);
    std::string_view segment = std::string_view(key).substr(begin, end == std::string::npos ? end : end - begin);
    if (segment == "..") return "it has a '..' segment";
    if (segment == ".") return "it has a '.' segment";
    if (segment.empty()) return "it has an empty segment ('//' or a trailing '/')";
    if (end == std::string::npos) return {};
    begin = end + 1;
  }
}

std::string encode_key(const std::string& key) { return url::encode(key, true); }

std::string content_type_for(const std::string& name) {
  // Beside the HLS media (common/media_types.hpp), what an origin directory
  // also holds; these carry no charset, as uploaded so far.
  static const std::map<std::string, std::string> types = {
      {".vtt", "text/vtt"},
      {".webvtt", "text/vtt"},
      {".json", "application/json"},
      {".torrent", "application/x-bittorrent"},
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript"},
      {".css", "text/css"},
      {".txt", "text/plain; charset=utf-8"},
      {".key", "application/octet-stream"},
  };
  std::string ext = hlsmesh::ascii_lower(std::filesystem::path(name).extension().string());
  if (auto hls = media_types::hls(std::string_view(ext).substr(ext.empty() ? 0 : 1)); !hls.empty())
    return std::string(hls);
  auto it = types.find(ext);
  return it == types.end() ? "application/octet-stream" : it->second;
}

bool is_playlist(const std::string& name) {
  std::string ext = hlsmesh::ascii_lower(std::filesystem::path(name).extension().string());
  return ext == ".m3u8" || ext == ".m3u";
}

}  // namespace hlsmesh::r2push
