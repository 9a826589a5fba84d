#include "tools/m3u8roll/master.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <stdexcept>

#include "common/atomic_file.hpp"
#include "common/log.hpp"
#include "common/m3u8.hpp"
#include "common/refusal.hpp"
#include "tools/m3u8roll/naming.hpp"

namespace hlsmesh::m3u8roll {

std::optional<Bitrates> measure_bitrates(const RenditionWindow& window) {
  double peak = 0, bits = 0, seconds = 0;
  for (const auto& e : window.entries()) {
    if (!e.bytes || *e.bytes == 0 || e.duration <= 0) continue;
    const double b = static_cast<double>(*e.bytes) * 8.0;
    peak = std::max(peak, b / e.duration);
    bits += b;
    seconds += e.duration;
  }
  if (seconds <= 0) return std::nullopt;
  return Bitrates{static_cast<uint64_t>(std::ceil(peak)), static_cast<uint64_t>(std::ceil(bits / seconds))};
}

namespace {

// FRAME-RATE of a master event's rendition: a number or a decimal string
// ("29.970"). Anything else is said and left out, not guessed.
std::optional<double> frame_rate_of(const Json& f, const std::string& stream, const std::string& rendition) {
  if (f.is_number()) return f.get<double>();
  if (f.is_string()) {
    try {
      return std::stod(f.get<std::string>());
    } catch (const std::invalid_argument&) {
    } catch (const std::out_of_range&) {
    }
  }
  const Refusal refusal{"not using frame_rate " + f.dump() + " of rendition " + rendition + " in the master event",
                        "it is not a number", "FRAME-RATE is left out; fix what writes the master event"};
  log::warning(refusal.message(), {{"stream", stream}});
  return std::nullopt;
}

}  // namespace

MasterPlaylists::StreamMaster& MasterPlaylists::stream_master(const std::string& stream) {
  auto [it, inserted] = streams_.try_emplace(stream);
  if (inserted) {
    it->second.path = std::filesystem::absolute(expand_template(template_, stream, default_rendition)).string();
  }
  return it->second;
}

void MasterPlaylists::set_source(const std::string& stream, const Json& master_event) {
  if (!enabled()) return;
  auto& m = stream_master(stream);
  const auto it = master_event.find("renditions");
  if (it == master_event.end() || !it->is_array()) {
    log::warning("master event without a `renditions` list; CODECS/RESOLUTION stay unknown", {{"stream", stream}});
    return;
  }
  m.source_order.clear();
  m.source.clear();
  for (const auto& r : *it) {
    if (!r.is_object()) continue;
    std::string name = r.contains("rendition") ? (r["rendition"].is_string() ? r["rendition"].get<std::string>()
                                                                                 : r["rendition"].dump())
                                               : std::string(default_rendition);
    SourceVariant v;
    if (r.contains("bandwidth") && r["bandwidth"].is_number()) v.bandwidth = r["bandwidth"].get<uint64_t>();
    if (r.contains("codecs") && r["codecs"].is_string()) v.codecs = r["codecs"].get<std::string>();
    if (r.contains("resolution") && r["resolution"].is_string()) v.resolution = r["resolution"].get<std::string>();
    if (r.contains("frame_rate")) v.frame_rate = frame_rate_of(r["frame_rate"], stream, name);
    if (!m.source.count(name)) m.source_order.push_back(name);
    m.source[name] = v;
  }
}

std::optional<Json> MasterPlaylists::update(const std::string& stream, const std::string& rendition,
                                            const std::string& playlist_path, const RenditionWindow& window) {
  if (!enabled()) return std::nullopt;
  auto& m = stream_master(stream);
  if (!m.published.count(rendition)) m.published_order.push_back(rendition);
  m.published[rendition] = Published{playlist_path, measure_bitrates(window)};

  // Source order first (players and p2p-media-loader index variants by
  // position), then renditions the source master did not name.
  std::vector<std::string> order;
  for (const auto& name : m.source_order)
    if (m.published.count(name)) order.push_back(name);
  for (const auto& name : m.published_order)
    if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);

  m3u8::MasterPlaylist pl;
  pl.independent_segments = false;
  const auto master_dir = std::filesystem::path(m.path).parent_path();
  for (const auto& name : order) {
    const auto& p = m.published[name];
    const auto src = m.source.find(name);
    m3u8::Variant v;
    v.uri = std::filesystem::path(p.playlist_path).lexically_relative(master_dir).string();
    if (p.bitrates) {
      v.bandwidth = p.bitrates->peak;
      v.average_bandwidth = p.bitrates->average;
    } else if (src != m.source.end() && src->second.bandwidth) {
      v.bandwidth = *src->second.bandwidth;  // nothing measurable yet: the source's declaration
    } else {
      if (!m.warned_unmeasured) {
        log::warning("rendition " + name + " is left out of master playlist " + m.path +
                         " until its bitrate is known: segment events carry no `bytes` and the source master gave no "
                         "bandwidth; feed m3u8roll from hlswatch, which sets `bytes`",
                     {{"stream", stream}, {"rendition", name}});
        m.warned_unmeasured = true;
      }
      continue;
    }
    if (src != m.source.end()) {
      v.codecs = src->second.codecs;
      v.resolution = src->second.resolution;
      v.frame_rate = src->second.frame_rate;
    }
    pl.variants.push_back(std::move(v));
  }
  if (pl.variants.empty()) return std::nullopt;
  std::string text = m3u8::write(pl);
  if (text == m.written) return std::nullopt;
  write_file_atomic(m.path, text);
  m.written = std::move(text);
  return Json{{"event", "playlist"},    {"path", m.path}, {"stream", stream}, {"master", true},
              {"renditions", pl.variants.size()}};
}

}  // namespace hlsmesh::m3u8roll
