// tunnelcheck swarm URL: judges measured delivery from sigd's /stats.json
// (its `delivery` member, fed by the viewers' reports): P2P share too low
// for the number of viewers, viewers fetching segments from the origin while
// a CDN serves the stream, stalls, and no reports at all while the playlist
// is live (viewers on a page that does not report, or none at all).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "commands.hpp"
#include "common/m3u8.hpp"
#include "fetch.hpp"

namespace hlsmesh::tunnelcheck {

namespace {

using Json = nlohmann::json;

std::string percent(double share) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", share * 100.0);
  return buf;
}

// Whether the playlist at `body` is live (no EXT-X-ENDLIST).
bool is_live(const std::string& body) { return body.find("#EXT-X-ENDLIST") == std::string::npos; }

void judge_stream(const Options& o, const Json& row, Report& report) {
  const std::string stream = row.value("stream", ""), rendition = row.value("rendition", "");
  const std::string subject = rendition.empty() ? stream : stream + " [" + rendition + "]";
  const Json& w = row.at(o.swarm_window);
  const double viewers = row.value("viewers", 0.0), share = w.value("p2p_share", 0.0);
  const double stall_ratio = w.value("stall_ratio", 0.0);
  const double origin_bytes = w.at("bytes").value("origin", 0.0);
  const std::map<std::string, std::string> labels = {{"stream", stream}, {"rendition", rendition}};
  report.metric("swarm_viewers", viewers, labels, "Viewers reporting to sigd");
  report.metric("swarm_p2p_share", share, labels, "Share of segment bytes from peers");
  report.metric("swarm_stall_ratio", stall_ratio, labels, "Stalled seconds per watched second");
  report.metric("swarm_origin_bytes", origin_bytes, labels, "Segment bytes viewers fetched from the page's origin");

  const size_t before = report.findings().size();
  if (viewers >= static_cast<double>(o.min_viewers)) {
    const std::string what = percent(share) + " of segment bytes from peers over " + o.swarm_window + " with " +
                             std::to_string(static_cast<long>(viewers)) + " viewers";
    const std::string fix = "viewers are not sharing: check the tracker (tunnelcheck probe --tracker), that the "
                            "page plays with p2p on and far enough behind live (docs/pipeline.md)";
    if (share < o.share_crit)
      report.add(Severity::critical, "p2p-share-low", subject, what + " (below --crit " + percent(o.share_crit) + ")", fix);
    else if (share < o.share_warn)
      report.add(Severity::warning, "p2p-share-low", subject, what + " (below --warn " + percent(o.share_warn) + ")", fix);
  }
  if (row.value("origin_alarm", false) && origin_bytes > 0)
    report.add(Severity::critical, "origin-served", subject,
               "viewers fetched " + std::to_string(static_cast<long long>(origin_bytes)) +
                   " segment bytes from the page's own origin over " + o.swarm_window + " although a CDN serves this stream",
               "point the viewer page's src= at the CDN's playlist and the playlist's segment URLs at the CDN");
  if (stall_ratio >= o.stall_crit || stall_ratio >= o.stall_warn)
    report.add(stall_ratio >= o.stall_crit ? Severity::critical : Severity::warning, "stalls", subject,
               percent(stall_ratio) + " of watched time stalled over " + o.swarm_window,
               "viewers wait for segments: check the origin/CDN speed and the latency setting");
  if (report.findings().size() == before)
    report.add(Severity::ok, "swarm-ok", subject,
               std::to_string(static_cast<long>(viewers)) + " viewers, " + percent(share) + " from peers, " +
                   percent(stall_ratio) + " stalled over " + o.swarm_window);
}

}  // namespace

void run_swarm(const Options& o, const Deadline& deadline, Report& report) {
  Fetcher fetcher(deadline, 2);
  hlsmesh::http::Response stats, playlist;
  fetcher.start("GET", o.url, {}, 8 << 20, [&](hlsmesh::http::Response&& r) { stats = std::move(r); });
  if (!o.swarm_playlist.empty())
    fetcher.start("GET", o.swarm_playlist, {}, o.max_playlist_bytes,
                  [&](hlsmesh::http::Response&& r) { playlist = std::move(r); });
  fetcher.run();
  if (!check_response(stats, o.url, {200}, report, "sigd stats")) return;
  Json doc = Json::parse(stats.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("delivery") || !doc["delivery"].is_object()) {
    report.add(Severity::unknown, "not-sigd-stats", o.url, "no \"delivery\" object in the JSON answered",
               "give sigd's /stats.json URL (sigd with POST /report)");
    return;
  }
  const bool live = !o.swarm_playlist.empty() &&
                    check_response(playlist, o.swarm_playlist, {200}, report, "playlist") && is_live(playlist.body);
  const Json& streams = doc["delivery"].value("streams", Json::array());
  size_t judged = 0;
  try {
    for (const Json& row : streams) {
      const std::string name = row.value("stream", "");
      if (!o.swarm_streams.empty() &&
          std::find(o.swarm_streams.begin(), o.swarm_streams.end(), name) == o.swarm_streams.end())
        continue;
      ++judged;
      judge_stream(o, row, report);
    }
  } catch (const Json::exception& e) {
    report.add(Severity::unknown, "not-sigd-stats", o.url, std::string("unexpected delivery figures: ") + e.what(),
               "tunnelcheck and sigd are from different versions; update both");
    return;
  }
  report.metric("swarm_streams", static_cast<double>(judged), {}, "Streams with viewer reports judged");
  if (judged == 0) {
    if (live)
      report.add(Severity::critical, "no-reports", o.url,
                 "the playlist " + o.swarm_playlist + " is live but no viewer reports to sigd",
                 "nobody watches, or the viewers' page is not hlsmesh's (it sends no reports to /report)");
    else
      report.add(Severity::ok, "no-viewers", o.url, "no viewer reports (give --playlist to alarm while live)");
  }
}

}  // namespace hlsmesh::tunnelcheck
