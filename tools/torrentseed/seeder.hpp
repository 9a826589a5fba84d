#pragma once
// Seed mode: every `segment` event with a `url` gets a torrent of its file,
// seeded from the store; `expire` events and the --keep window drop them.
#include <cstdint>
#include <filesystem>
#include <optional>

#include "common/refusal.hpp"
#include "tools/torrentseed/mode.hpp"
#include "tools/torrentseed/piece_hasher.hpp"
#include "tools/torrentseed/torrent_maker.hpp"

namespace hlsmesh::torrentseed {

class Seeder final : public Mode {
 public:
  explicit Seeder(Parts parts);
  const char* name() const override { return "seed"; }
  void on_event(hlsmesh::Json&& event) override;
  void on_alert(const lt::alert&) override {}
  void on_added(const AddOutcome& outcome) override;
  void on_tick(std::int64_t) override {}
  bool busy() const override { return parts_.output.waiting(); }
  void on_stop() override {}
  void add_stats(hlsmesh::Json& stats) const override;

 private:
  void seed(hlsmesh::Json& event);
  // Takes the file in first (link or copy), then hashes that copy: the source
  // may be deleted at any moment once it is listed. nullopt: refused (the
  // event passed on with `error`), nothing left staged.
  std::optional<MadeTorrent> stage_and_make(hlsmesh::Json& event, const std::filesystem::path& source,
                                            std::filesystem::path& staged);
  // Seeds the staged copy, or shares the torrent of a live segment with the
  // same bytes. Whether the torrent is still being added; nullopt: refused.
  std::optional<bool> add_or_share(hlsmesh::Json& event, const std::filesystem::path& source,
                                   const std::filesystem::path& staged, const MadeTorrent& made);
  // Logs the refusal and passes the event on with it as `error`, no torrent.
  void fail(hlsmesh::Json& event, const hlsmesh::Refusal& refusal);

  TorrentSpec spec_;
  PieceHasher hasher_;  // --hash-threads
  std::uint64_t segments_ = 0;    // segments seeded (torrent made)
  std::uint64_t make_us_ = 0;     // total time to store, hash, create and add
  std::uint64_t make_max_us_ = 0;
};

}  // namespace hlsmesh::torrentseed
