#include "tools/m3u8roll/persistence.hpp"

#include "common/atomic_file.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "common/m3u8.hpp"

namespace hlsmesh::m3u8roll {

std::optional<ResumedWindow> resume_from_playlist(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  const std::string text = read_file(path);
  auto parsed = m3u8::parse(text);
  const auto* media = std::get_if<m3u8::MediaPlaylist>(&parsed.playlist);
  std::string why;
  if (!media) {
    why = "it is a master playlist";
  } else if (parsed.has_errors() || !parsed.complete) {
    why = parsed.diagnostics.empty() ? "it looks cut off" : parsed.diagnostics.front().message;
  } else if (!media->target_duration) {
    why = "it has no EXT-X-TARGETDURATION";
  }
  if (!why.empty()) {
    throw Error(Exit::data, "cannot resume from " + path.string() + ": " + why +
                                "; restore the playlist m3u8roll wrote, or move it away to start a new numbering at "
                                "MSN 0 (players watching then must reload)");
  }
  ResumedWindow r{RenditionWindow(*media->target_duration, media->first_msn(), media->first_dsn()),
                  media->playlist_type, media->endlist};
  uint64_t msn = media->first_msn();
  for (const auto& s : media->segments) {
    WindowEntry e;
    e.msn = msn++;
    e.uri = s.uri;
    e.duration = s.duration;
    e.discontinuity = s.discontinuity;
    e.pdt = s.program_date_time;
    if (s.map) e.map_uri = s.map->uri;
    r.window.restore(std::move(e));
  }
  // The playlist does not say where the source was: the next segment may not
  // continue this timeline, so it is marked as a discontinuity (harmless if
  // it does; --state knows exactly).
  r.window.pending_discontinuity = !media->segments.empty();
  return r;
}

Json window_to_json(const RenditionWindow& w) {
  Json segments = Json::array();
  for (const auto& e : w.entries()) {
    Json s = {{"msn", e.msn},
              {"uri", e.uri},
              {"duration", e.duration},
              {"discontinuity", e.discontinuity},
              {"longest_playlist", e.longest_playlist}};
    if (e.pdt) s["pdt"] = *e.pdt;
    if (e.map_uri) s["map"] = *e.map_uri;
    if (e.bytes) s["bytes"] = *e.bytes;
    if (e.source_msn) s["source_msn"] = *e.source_msn;
    if (!e.event.is_null()) s["event"] = e.event;
    segments.push_back(std::move(s));
  }
  Json j = {{"target_duration", w.target_duration()},
            {"next_msn", w.next_msn()},
            {"discontinuity_sequence", w.discontinuity_sequence()},
            {"ended", w.ended},
            {"pending_discontinuity", w.pending_discontinuity},
            {"segments", std::move(segments)}};
  if (w.last_source_msn) j["last_source_msn"] = *w.last_source_msn;
  return j;
}

RenditionWindow window_from_json(const Json& j) {
  try {
    const auto& segments = j.at("segments");
    const uint64_t next = j.at("next_msn").get<uint64_t>();
    if (segments.size() > next) throw std::runtime_error("more segments than media sequence numbers");
    RenditionWindow w(j.at("target_duration").get<uint64_t>(), next - segments.size(),
                      j.at("discontinuity_sequence").get<uint64_t>());
    for (const auto& s : segments) {
      WindowEntry e;
      e.msn = s.at("msn").get<uint64_t>();
      e.uri = s.at("uri").get<std::string>();
      e.duration = s.at("duration").get<double>();
      e.discontinuity = s.at("discontinuity").get<bool>();
      e.longest_playlist = s.value("longest_playlist", 0.0);
      if (s.contains("pdt")) e.pdt = s["pdt"].get<std::string>();
      if (s.contains("map")) e.map_uri = s["map"].get<std::string>();
      if (s.contains("bytes")) e.bytes = s["bytes"].get<uint64_t>();
      if (s.contains("source_msn")) e.source_msn = s["source_msn"].get<uint64_t>();
      if (s.contains("event")) e.event = s["event"];
      w.restore(std::move(e));
    }
    w.ended = j.value("ended", false);
    w.pending_discontinuity = j.value("pending_discontinuity", false);
    if (j.contains("last_source_msn")) w.last_source_msn = j["last_source_msn"].get<uint64_t>();
    return w;
  } catch (const std::exception& e) {
    throw Error(Exit::data, std::string("bad window record: ") + e.what());
  }
}

StateFile::StateFile(std::filesystem::path path) : path_(std::move(path)) {}

void StateFile::load() {
  if (!enabled()) return;
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    log::info("state file " + path_.string() + " does not exist yet; it will be created");
    return;
  }
  try {
    Json j = Json::parse(read_file(path_));
    if (j.value("format", "") != "m3u8roll-state/1") throw std::runtime_error("not an m3u8roll state file");
    for (const auto& [key, value] : j.at("windows").items()) {
      (void)window_from_json(value);  // validate now, not at first use
      windows_[key] = value;
    }
  } catch (const std::exception& e) {
    throw Error(Exit::data, "cannot resume from state file " + path_.string() + ": " + e.what() +
                                "; restore it, or remove it (m3u8roll then resumes from its output playlists)");
  }
}

std::optional<RenditionWindow> StateFile::window_for(const std::string& playlist_path) const {
  auto it = windows_.find(playlist_path);
  if (it == windows_.end()) return std::nullopt;
  return window_from_json(it->second);
}

void StateFile::save(const std::string& playlist_path, const RenditionWindow& window) {
  if (!enabled()) return;
  windows_[playlist_path] = window_to_json(window);
  Json j = {{"format", "m3u8roll-state/1"}, {"windows", Json::object()}};
  for (const auto& [key, value] : windows_) j["windows"][key] = value;
  write_file_atomic(path_, j.dump() + "\n");
}

}  // namespace hlsmesh::m3u8roll
