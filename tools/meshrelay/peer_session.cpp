#include "tools/meshrelay/peer_session.hpp"

#include <algorithm>
#include <memory>

namespace hlsmesh::meshrelay {

PeerSession::PeerSession(PeerConnection& connection, const SegmentWindow& window, int stream,
                         const SessionLimits& limits, UploadBudget& budget, Hooks hooks)
    : connection_(connection), window_(window), stream_(stream), limits_(limits), budget_(budget),
      hooks_(std::move(hooks)) {
  connection_.set_buffered_low_threshold(limits_.high_water / 2);
}

void PeerSession::send(const Command& command) {
  for (auto& message : serialize(command, limits_.message_bytes)) {
    auto owner = std::make_shared<const std::string>(std::move(message));
    connection_.send(owner, 0, owner->size());
  }
}

void PeerSession::announce() {
  Command c;
  c.l = window_.ids(stream_);
  // The next segment is one the relay is about to fetch: said as "loading
  // over HTTP", as a browser says of its own fetches, so that no viewer that
  // sees it listed before the relay's next poll fetches it over HTTP too
  // (p2p-media-loader's random HTTP loads skip what a peer is loading).
  if (!c.l.empty()) c.p = {c.l.back() + 1};
  send(c);
}

void PeerSession::fault(const std::string& reason) {
  if (dropped_) return;
  dropped_ = true;
  upload_.reset();
  if (hooks_.drop) hooks_.drop(reason);
}

void PeerSession::malformed(const std::string& why) {
  ++stats_.malformed;
  if (static_cast<int>(stats_.malformed) > limits_.max_malformed) fault("malformed: " + why);
}

void PeerSession::received(std::string_view message, Clock::time_point now) {
  if (dropped_) return;
  if (!is_command_chunk(message)) {
    // The relay never requests segments, so no peer has data to send it.
    malformed("segment data nobody asked for (" + std::to_string(message.size()) + " bytes)");
    return;
  }
  try {
    if (auto body = joiner_.add(message)) handle(deserialize(*body), now);
  } catch (const MalformedCommand& e) {
    malformed(e.what());
  }
}

void PeerSession::handle(const Command& c, Clock::time_point now) {
  switch (c.type) {
    case CommandType::segment_request:
      if (!c.i || !c.r) return malformed("a request without segment or request id");
      if (now - rate_window_ >= std::chrono::seconds(1)) rate_window_ = now, requests_in_window_ = 0;
      if (++requests_in_window_ > limits_.max_requests_per_s) return fault("flood: over " +
                                                                          std::to_string(limits_.max_requests_per_s) +
                                                                          " requests/s");
      ++stats_.requests;
      start_upload(*c.i, *c.r, c.b.value_or(0), now);
      break;
    case CommandType::cancel_segment_request:
      if (upload_ && c.r && upload_->request == *c.r) {
        upload_.reset();
        ++stats_.cancelled;
      }
      break;
    default:
      break;  // announcements and replies to requests the relay never makes
  }
}

void PeerSession::start_upload(std::int64_t id, std::int64_t request, std::int64_t from, Clock::time_point now) {
  upload_.reset();  // one upload per peer: the browser gave up on the previous one
  auto data = window_.find(stream_, id);
  if (!data || from < 0 || static_cast<std::size_t>(from) > data->size()) {
    ++stats_.absent;
    send(segment_command(CommandType::segment_absent, id, request));
    return;
  }
  const auto offset = static_cast<std::size_t>(from);
  auto header = segment_command(CommandType::segment_data, id, request);
  header.s = static_cast<std::int64_t>(data->size() - offset);
  send(header);
  upload_ = Upload{std::move(data), id, request, offset};
  last_progress_ = now;
  pump(now);
}

void PeerSession::pump(Clock::time_point now) {
  while (upload_ && !dropped_) {
    if (connection_.buffered_amount() >= limits_.high_water) return;  // on_buffered_low resumes
    auto& u = *upload_;
    if (u.offset == u.data->size()) {
      ++stats_.segments_sent;
      send(segment_command(CommandType::segment_data_sending_completed, u.id, u.request));
      upload_.reset();
      return;
    }
    const auto n = std::min(limits_.message_bytes, u.data->size() - u.offset);
    if (!budget_.take(n, now)) {
      if (hooks_.retry_later) hooks_.retry_later();
      return;
    }
    connection_.send(u.data, u.offset, n);
    u.offset += n;
    stats_.bytes_sent += n;
    last_progress_ = now;
  }
}

void PeerSession::tick(Clock::time_point now) {
  if (!upload_ || dropped_) return;
  if (connection_.buffered_amount() < limits_.high_water) {
    last_progress_ = now;
    return;
  }
  if (now - last_progress_ > limits_.stall) fault("not-reading: its buffer stayed full");
}

}  // namespace hlsmesh::meshrelay
