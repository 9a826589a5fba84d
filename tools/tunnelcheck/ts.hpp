#pragma once
// MPEG-TS inspection of one segment, without ffmpeg: sync bytes every 188,
// PAT → PMT → the video PID (audio if there is no video), and the PTS of its
// PES packets, from which the segment's real duration is measured.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hlsmesh::tunnelcheck {

struct TsInfo {
  bool sync_ok = false;              // 0x47 at every 188-byte boundary
  size_t bad_sync_offset = 0;        // first offset without 0x47 (when !sync_ok)
  bool whole_packets = false;        // size is a multiple of 188
  uint16_t media_pid = 0;            // 0 when no PMT was found
  std::string media_kind;            // "video", "audio" or ""
  size_t pes_count = 0;              // PES packets with a PTS on that PID
  std::optional<double> duration_s;  // last PTS − first PTS + one frame
  std::optional<double> first_pts_s;
  std::optional<double> frame_s;     // median PTS step: one frame (or audio frame)
};

TsInfo inspect_ts(std::string_view data);

}  // namespace hlsmesh::tunnelcheck
