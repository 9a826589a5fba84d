#include "tools/torrentseed/seeder.hpp"

#include <libtorrent/add_torrent_params.hpp>
#include <libtorrent/alert_types.hpp>
#include <libtorrent/torrent_flags.hpp>

#include <filesystem>
#include <stdexcept>

#include "common/error.hpp"
#include "common/log.hpp"
#include "common/time_util.hpp"

namespace hlsmesh::torrentseed {

namespace log = hlsmesh::log;
using hlsmesh::Json;

Seeder::Seeder(Parts parts) : Mode(parts), hasher_(parts.options.hash_threads) {
  spec_.trackers = parts_.options.trackers;
  spec_.piece_size = parts_.options.piece_kib * 1024;
}

void Seeder::on_event(Json&& event) {
  const std::string& kind = event["event"].get_ref<const std::string&>();
  if (kind == "expire") {
    release_all(parts_.window.expire(event));
  } else if (kind == "segment") {
    auto url = event.find("url");
    if (url != event.end() && url->is_string() && !url->get_ref<const std::string&>().empty()) {
      seed(event);
      return;  // seed() queued it
    }
    log::debug("segment event without a url passed on unseeded (put torrentseed after r2push)");
  }
  parts_.output.push(std::move(event));
}

void Seeder::fail(Json& event, const hlsmesh::Refusal& refusal) {
  log::error(refusal.message() + "; the event passes on without a torrent");
  if (!event.contains("error")) event["error"] = refusal.error_field("torrentseed");
  parts_.output.push(std::move(event));
}

std::optional<MadeTorrent> Seeder::stage_and_make(hlsmesh::Json& event, const std::filesystem::path& source,
                                                  std::filesystem::path& staged) {
  try {
    staged = parts_.store.stage(source);
    SegmentStore::Opened file = SegmentStore::open(staged);
    check_torrent_spec(file.size, spec_);
    return make_torrent(file.size, hasher_.hash_file(file.fd.get(), file.size, spec_.piece_size, staged.string()),
                        spec_);
  } catch (const std::exception& e) {
    if (!staged.empty()) parts_.store.discard(staged);
    ++parts_.torrents.errors().unreadable;
    fail(event, {"cannot seed segment " + source.string(), e.what(), ""});
    return std::nullopt;
  }
}

std::optional<bool> Seeder::add_or_share(hlsmesh::Json& event, const std::filesystem::path& source,
                                         const std::filesystem::path& staged, const MadeTorrent& made) {
  const std::string& ih = made.infohash;
  TorrentEntry* existing = parts_.torrents.find(ih);
  if (existing != nullptr && existing->state == TorrentEntry::State::removing) {
    parts_.store.discard(staged);
    ++parts_.torrents.errors().torrent;
    fail(event, {"not seeding segment " + source.string(),
                 "it has the same content (infohash " + ih + ") as a segment whose torrent is being removed right now",
                 ""});
    return std::nullopt;
  }
  if (existing != nullptr) {  // same bytes as a live segment: share the torrent
    parts_.store.discard(staged);
    parts_.torrents.retain(ih);
    return existing->state == TorrentEntry::State::adding;
  }
  try {
    parts_.store.place(staged, ih, spec_.name);
  } catch (const std::exception& e) {
    parts_.store.discard(staged);
    ++parts_.torrents.errors().unreadable;
    fail(event, {"cannot store segment " + source.string(), e.what(), ""});
    return std::nullopt;
  }
  parts_.store.claim(ih);
  parts_.torrents.adding(made.info->info_hashes(), spec_.name, source.string());
  parts_.torrents.retain(ih);
  lt::add_torrent_params params;
  params.ti = made.info;
  params.save_path = parts_.store.dir_for(ih).string();
  // Replaces the defaults (paused | auto_managed | ...): queueing would
  // leave all but active_seeds torrents silent. seed_mode skips the check.
  params.flags = lt::torrent_flags::seed_mode | lt::torrent_flags::update_subscribe;
  parts_.session.get().async_add_torrent(std::move(params));
  return true;
}

void Seeder::seed(Json& event) {
  std::int64_t started = hlsmesh::monotonic_us();
  auto path_field = event.find("path");
  if (path_field == event.end() || !path_field->is_string() || path_field->get_ref<const std::string&>().empty()) {
    ++parts_.torrents.errors().unreadable;
    fail(event, {"cannot seed segment " + event["url"].get<std::string>(), "the event has no local `path` to seed from",
                 "run torrentseed on the machine that has the files"});
    return;
  }
  const std::filesystem::path source = path_field->get<std::string>();
  spec_.name = source.filename().string();
  spec_.web_seed_url = event["url"].get<std::string>();

  std::filesystem::path staged;
  std::optional<MadeTorrent> made = stage_and_make(event, source, staged);
  if (!made) return;
  const std::string& ih = made->infohash;
  std::optional<bool> pending = add_or_share(event, source, staged, *made);
  if (!pending) return;
  release_all(parts_.window.push(event, ih));

  event["infohash"] = ih;
  event["magnet"] = make_magnet(*made->info, parts_.options.ws_trackers);
  if (parts_.options.embed_torrent) {
    event["torrent"] = base64_encode(std::string_view(made->buffer.data(), made->buffer.size()));
  }
  parts_.output.push(std::move(event), *pending ? ih : std::string());

  ++segments_;
  auto took = static_cast<std::uint64_t>(hlsmesh::monotonic_us() - started);
  make_us_ += took;
  if (took > make_max_us_) make_max_us_ = took;
}

void Seeder::on_added(const AddOutcome& outcome) {
  if (outcome.error.empty()) {
    parts_.output.resolve(outcome.infohash, [](Json&) { return true; });
    return;
  }
  const hlsmesh::Refusal refusal{"libtorrent could not add the torrent", outcome.error, ""};
  const Json error = refusal.error_field("torrentseed");
  parts_.output.resolve(outcome.infohash, [&](Json& event) {
    event.erase("infohash");  // our own fields: not valid without a seed
    event.erase("magnet");
    event.erase("torrent");
    if (!event.contains("error")) event["error"] = error;
    return true;
  });
}

void Seeder::add_stats(Json& stats) const {
  stats["segments"] = segments_;
  stats["make_ms_avg"] = segments_ ? static_cast<double>(make_us_) / 1000.0 / static_cast<double>(segments_) : 0.0;
  stats["make_ms_max"] = static_cast<double>(make_max_us_) / 1000.0;
  stats["hash_threads"] = hasher_.threads();
}

}  // namespace hlsmesh::torrentseed
