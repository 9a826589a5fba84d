#include "renditions.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace hlsmesh::tunnelcheck {
namespace {

// PTS difference a − b in seconds on the 33-bit 90 kHz clock, wrap-aware.
double pts_diff(double a, double b) {
  constexpr double wrap = 8589934592.0 / 90000.0;
  double d = std::fmod(a - b, wrap);
  if (d > wrap / 2) d -= wrap;
  if (d < -wrap / 2) d += wrap;
  return d;
}

std::string name_of(const Target& t) { return t.variant ? t.variant->uri : t.subject; }

// The worst offset of one rendition against the reference, over the MSNs both read.
struct Offset {
  size_t compared = 0;
  size_t misaligned = 0;
  double worst_s = 0;
  uint64_t worst_msn = 0;
  double ref_pts = 0, pts = 0, frame_s = 0;
};

Offset compare(const Target& ref, const Target& t, const std::vector<uint64_t>& msns) {
  Offset o;
  for (uint64_t msn : msns) {
    auto a = ref.stats->timing.find(msn);
    auto b = t.stats->timing.find(msn);
    if (a == ref.stats->timing.end() || b == t.stats->timing.end()) continue;
    if (a->second.media_kind != b->second.media_kind) continue;  // audio-only vs video: no common clock event
    ++o.compared;
    const double d = pts_diff(b->second.first_pts_s, a->second.first_pts_s);
    // "Within one frame": a whole frame apart means the cut falls on another frame.
    double frame = std::max(a->second.frame_s, b->second.frame_s);
    if (frame <= 0) frame = 0.040;
    const bool off = std::fabs(d) >= frame - 0.5 / 90000.0;
    if (off) ++o.misaligned;
    if (std::fabs(d) >= std::fabs(o.worst_s) && (off || o.misaligned == 0)) {
      o.worst_s = d;
      o.worst_msn = msn;
      o.ref_pts = a->second.first_pts_s;
      o.pts = b->second.first_pts_s;
      o.frame_s = frame;
    }
  }
  return o;
}

void report_disjoint(const std::vector<const Target*>& ok, Report& report) {
  std::string ranges;
  for (const Target* t : ok) {
    uint64_t first = t->playlist.first_msn();
    ranges += (ranges.empty() ? "" : ", ") + name_of(*t) + " " + std::to_string(first) + "-" +
              std::to_string(first + t->playlist.segments.size() - 1);
  }
  report.add(Severity::warning, "renditions-msn-disjoint", ok.front()->subject,
             "the renditions list no media sequence number in common (" + ranges +
                 "): a player switching renditions finds no matching segment",
             "segment the whole ladder in one encoder run so every rendition numbers its segments alike");
}

}  // namespace

std::vector<uint64_t> common_msns(const std::vector<std::unique_ptr<Target>>& targets, size_t count) {
  uint64_t lo = 0, hi = UINT64_MAX;
  size_t ok = 0;
  for (const auto& t : targets) {
    if (!t->ok || t->playlist.segments.empty()) continue;
    ++ok;
    lo = std::max(lo, t->playlist.first_msn());
    hi = std::min(hi, t->playlist.first_msn() + t->playlist.segments.size());
  }
  std::vector<uint64_t> out;
  if (ok < 2 || lo >= hi) return out;
  for (uint64_t msn = hi - std::min<uint64_t>(count, hi - lo); msn < hi; ++msn) out.push_back(msn);
  return out;
}

void check_alignment(const std::vector<std::unique_ptr<Target>>& targets, const std::vector<uint64_t>& msns,
                     Report& report) {
  std::vector<const Target*> ok;
  for (const auto& t : targets)
    if (t->ok && !t->playlist.segments.empty()) ok.push_back(t.get());
  if (ok.size() < 2) return;
  if (msns.empty()) return report_disjoint(ok, report);
  const Target& ref = *ok.front();  // the first listed rendition is the yardstick
  size_t compared = 0;
  double worst = 0;
  bool any_off = false;
  for (size_t i = 1; i < ok.size(); ++i) {
    Offset o = compare(ref, *ok[i], msns);
    if (o.compared == 0) continue;
    compared += o.compared;
    worst = std::max(worst, std::fabs(o.worst_s));
    report.metric("hls_rendition_offset_seconds", std::fabs(o.worst_s), ok[i]->labels,
                  "Worst |first PTS − the first rendition's| over the common MSNs");
    if (o.misaligned == 0) continue;
    any_off = true;
    report.add(Severity::critical, "renditions-misaligned", ok[i]->subject,
               "MSN " + std::to_string(o.worst_msn) + " starts at PTS " + num(o.pts, 3) + " s in " + name_of(*ok[i]) +
                   " but " + num(o.ref_pts, 3) + " s in " + name_of(ref) + " (" + num(o.worst_s, 3) +
                   " s apart, one frame is " + num(o.frame_s, 3) + " s); " + std::to_string(o.misaligned) + " of " +
                   std::to_string(o.compared) +
                   " compared segments differ: switching renditions skips or repeats video, and the seeds' A/V "
                   "sync breaks",
               "encode the whole ladder in one ffmpeg with keyframes forced on the segment boundary "
               "(-force_key_frames \"expr:gte(t,n_forced*SEG)\" -sc_threshold 0) in every rendition");
  }
  if (!any_off && compared > 0)
    report.add(Severity::ok, "renditions-aligned", ref.subject,
               std::to_string(ok.size()) + " renditions: MSN " + std::to_string(msns.front()) + "-" +
                   std::to_string(msns.back()) + " start within " + num(worst * 1000, 1) + " ms of each other");
}

void check_bandwidth(const Target& t, const Options& o, Report& report) {
  const auto& s = *t.stats;
  if (!t.variant || s.checked == 0) return;
  const double declared = static_cast<double>(t.variant->bandwidth);
  const double average = s.seconds > 0 ? s.bytes * 8.0 / s.seconds : 0;
  report.metric("hls_declared_bandwidth_bps", declared, t.labels, "BANDWIDTH of the variant");
  report.metric("hls_average_bitrate_bps", average, t.labels, "bytes*8/EXTINF over the fetched segments");
  const std::string bw = "variant declares BANDWIDTH=" + std::to_string(t.variant->bandwidth);
  if (s.peak_bps > declared * (1.0 + o.bandwidth_tolerance)) {
    // A token value (the seeds' BANDWIDTH=1) is a placeholder, not a bad measurement.
    const bool token = declared < 1000;
    report.add(Severity::critical, "bandwidth-below-measured", t.subject,
               bw + (token ? " (a placeholder, not a measurement)" : "") + " but its segments peak at " +
                   num(s.peak_bps, 0) + " bit/s: players pick a rendition they cannot sustain",
               "declare the measured peak bitrate (m3u8roll --master measures it)");
  } else if (average > 0 && declared > 4 * average) {
    report.add(Severity::warning, "bandwidth-far-above-measured", t.subject,
               bw + " but its segments average " + num(average, 0) +
                   " bit/s: players avoid it on links that could carry it",
               "declare the measured peak bitrate");
  }
  if (!t.variant->average_bandwidth || average <= 0) return;
  const double avg_declared = static_cast<double>(*t.variant->average_bandwidth);
  // A few sampled segments estimate the average loosely: twice the peak's tolerance.
  if (average > avg_declared * (1.0 + 2 * o.bandwidth_tolerance)) {
    report.add(Severity::warning, "average-bandwidth-below-measured", t.subject,
               "variant declares AVERAGE-BANDWIDTH=" + std::to_string(*t.variant->average_bandwidth) +
                   " but the fetched segments average " + num(average, 0) + " bit/s",
               "declare the measured average bitrate (m3u8roll --master measures it)");
  } else if (avg_declared > declared) {
    report.add(Severity::warning, "average-above-peak", t.subject,
               "AVERAGE-BANDWIDTH=" + std::to_string(*t.variant->average_bandwidth) + " is above BANDWIDTH=" + std::to_string(t.variant->bandwidth) +
                   ": the average of a stream cannot exceed its peak",
               "declare the peak segment bitrate as BANDWIDTH and the mean as AVERAGE-BANDWIDTH");
  }
}

}  // namespace hlsmesh::tunnelcheck
