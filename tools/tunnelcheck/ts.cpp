#include "ts.hpp"

#include <algorithm>
#include <vector>

namespace hlsmesh::tunnelcheck {
namespace {

constexpr size_t kPacket = 188;

uint8_t byte_at(std::string_view d, size_t i) { return static_cast<uint8_t>(d[i]); }

bool is_video_type(uint8_t t) { return t == 0x01 || t == 0x02 || t == 0x10 || t == 0x1b || t == 0x24 || t == 0x42; }
bool is_audio_type(uint8_t t) { return t == 0x03 || t == 0x04 || t == 0x0f || t == 0x11 || t == 0x81 || t == 0x87; }

// Payload of one TS packet: offset and length after the adaptation field.
bool payload_of(std::string_view pkt, size_t& offset) {
  uint8_t afc = (byte_at(pkt, 3) >> 4) & 3;
  if (afc == 0 || afc == 2) return false;  // no payload
  offset = 4;
  if (afc == 3) offset += 1 + byte_at(pkt, 4);
  return offset < kPacket;
}

uint64_t read_pts(std::string_view p, size_t i) {
  return (static_cast<uint64_t>(byte_at(p, i) & 0x0e) << 29) | (static_cast<uint64_t>(byte_at(p, i + 1)) << 22) |
         (static_cast<uint64_t>(byte_at(p, i + 2) & 0xfe) << 14) | (static_cast<uint64_t>(byte_at(p, i + 3)) << 7) |
         (static_cast<uint64_t>(byte_at(p, i + 4)) >> 1);
}

// What the packets told so far: the PMT's PID, the first video and audio
// streams, and their PES timestamps.
struct Streams {
  int pmt_pid = -1;
  int video_pid = -1, audio_pid = -1;
  std::vector<int64_t> video_pts, audio_pts;
};

// The first 0x47 missing at a packet boundary fails the whole segment.
bool check_sync(std::string_view data, TsInfo& info) {
  info.whole_packets = !data.empty() && data.size() % kPacket == 0;
  info.sync_ok = !data.empty();
  for (size_t off = 0; off < data.size(); off += kPacket) {
    if (byte_at(data, off) != 0x47) {
      info.sync_ok = false;
      info.bad_sync_offset = off;
      break;
    }
  }
  return info.sync_ok;
}

// PAT: the PMT of the first program (program 0 is the network PID).
void read_pat(std::string_view pkt, size_t p, Streams& s) {
  p += 1 + byte_at(pkt, p);  // pointer field
  if (p + 8 >= kPacket || byte_at(pkt, p) != 0x00) return;
  size_t section_len = ((byte_at(pkt, p + 1) & 0x0f) << 8) | byte_at(pkt, p + 2);
  size_t end = std::min(kPacket, p + 3 + section_len) - 4;  // minus CRC
  for (size_t e = p + 8; e + 4 <= end; e += 4) {
    int program = (byte_at(pkt, e) << 8) | byte_at(pkt, e + 1);
    if (program != 0) {
      s.pmt_pid = ((byte_at(pkt, e + 2) & 0x1f) << 8) | byte_at(pkt, e + 3);
      return;
    }
  }
}

// PMT: the first video and the first audio elementary stream.
void read_pmt(std::string_view pkt, size_t p, Streams& s) {
  p += 1 + byte_at(pkt, p);
  if (p + 12 >= kPacket || byte_at(pkt, p) != 0x02) return;
  size_t section_len = ((byte_at(pkt, p + 1) & 0x0f) << 8) | byte_at(pkt, p + 2);
  size_t end = std::min(kPacket, p + 3 + section_len) - 4;
  size_t info_len = ((byte_at(pkt, p + 10) & 0x0f) << 8) | byte_at(pkt, p + 11);
  for (size_t e = p + 12 + info_len; e + 5 <= end;) {
    uint8_t type = byte_at(pkt, e);
    int es_pid = ((byte_at(pkt, e + 1) & 0x1f) << 8) | byte_at(pkt, e + 2);
    size_t es_info = ((byte_at(pkt, e + 3) & 0x0f) << 8) | byte_at(pkt, e + 4);
    if (is_video_type(type) && s.video_pid < 0) s.video_pid = es_pid;
    if (is_audio_type(type) && s.audio_pid < 0) s.audio_pid = es_pid;
    e += 5 + es_info;
  }
}

// A PES header's PTS, if it has one.
void read_pes(std::string_view pkt, size_t p, int pid, Streams& s) {
  if (p + 14 > kPacket) return;
  if (byte_at(pkt, p) != 0 || byte_at(pkt, p + 1) != 0 || byte_at(pkt, p + 2) != 1) return;
  uint8_t flags = byte_at(pkt, p + 7);
  if (!(flags & 0x80)) return;  // no PTS
  int64_t pts = static_cast<int64_t>(read_pts(pkt, p + 9));
  (pid == s.video_pid ? s.video_pts : s.audio_pts).push_back(pts);
}

Streams scan_packets(std::string_view data) {
  Streams s;
  for (size_t off = 0; off + kPacket <= data.size(); off += kPacket) {
    std::string_view pkt = data.substr(off, kPacket);
    const bool unit_start = byte_at(pkt, 1) & 0x40;
    const int pid = ((byte_at(pkt, 1) & 0x1f) << 8) | byte_at(pkt, 2);
    size_t p = 0;
    if (!payload_of(pkt, p) || !unit_start) continue;
    if (pid == 0 && s.pmt_pid < 0) {
      read_pat(pkt, p, s);
    } else if (pid == s.pmt_pid && s.video_pid < 0 && s.audio_pid < 0) {
      read_pmt(pkt, p, s);
    } else if (pid == s.video_pid || pid == s.audio_pid) {
      read_pes(pkt, p, pid, s);
    }
  }
  return s;
}

// First PTS, duration (last - first + one frame) and frame length of a stream.
void measure(std::vector<int64_t>& pts, TsInfo& info) {
  // Unwrap the 33-bit clock relative to the first PTS, then sort: B-frames
  // make PES order differ from presentation order.
  const int64_t wrap = int64_t{1} << 33;
  const int64_t first = pts.front();
  for (auto& v : pts) {
    if (v - first < -wrap / 2) v += wrap;
    if (v - first > wrap / 2) v -= wrap;
  }
  std::sort(pts.begin(), pts.end());
  info.pes_count = pts.size();
  info.first_pts_s = static_cast<double>(pts.front()) / 90000.0;
  std::vector<int64_t> steps;
  for (size_t i = 1; i < pts.size(); ++i)
    if (pts[i] > pts[i - 1]) steps.push_back(pts[i] - pts[i - 1]);
  int64_t frame = 0;
  if (!steps.empty()) {
    std::nth_element(steps.begin(), steps.begin() + static_cast<long>(steps.size() / 2), steps.end());
    frame = steps[steps.size() / 2];
  }
  info.duration_s = static_cast<double>(pts.back() - pts.front() + frame) / 90000.0;
  if (frame > 0) info.frame_s = static_cast<double>(frame) / 90000.0;
}

}  // namespace

TsInfo inspect_ts(std::string_view data) {
  TsInfo info;
  if (!check_sync(data, info)) return info;
  Streams s = scan_packets(data);
  if (!s.video_pts.empty()) {
    info.media_pid = static_cast<uint16_t>(s.video_pid);
    info.media_kind = "video";
    measure(s.video_pts, info);
  } else if (!s.audio_pts.empty()) {
    info.media_pid = static_cast<uint16_t>(s.audio_pid);
    info.media_kind = "audio";
    measure(s.audio_pts, info);
  }
  return info;
}

}  // namespace hlsmesh::tunnelcheck
