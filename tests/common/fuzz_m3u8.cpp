// libFuzzer target: the playlist parser and everything a reader of an
// untrusted playlist runs after it (the lint checker, the writer, the
// temporal checker against a second version). `make -C tests/fuzz
// run-fuzz_m3u8`. A NUL byte splits the input into two playlist versions.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/hls_check.hpp"
#include "common/m3u8.hpp"

namespace m3u8 = hlsmesh::m3u8;

namespace {

void check_one(const m3u8::ParseResult& parsed) {
  (void)parsed.has_errors();
  if (const auto* media = std::get_if<m3u8::MediaPlaylist>(&parsed.playlist)) {
    (void)m3u8::check_media(*media, {.min_segments = 3, .pdt_tolerance_s = 0.5});
    (void)media->total_duration();
    (void)media->required_version();
    if (!media->segments.empty()) (void)media->discontinuity_number(media->segments.size() - 1);
    // What the writer produces must parse again (m3u8roll writes, players read).
    (void)m3u8::parse(m3u8::write(*media));
  } else {
    const auto& master = std::get<m3u8::MasterPlaylist>(parsed.playlist);
    (void)m3u8::check_master(master);
    (void)m3u8::parse(m3u8::write(master));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto nul = text.find('\0');
  auto first = m3u8::parse(text.substr(0, nul));
  check_one(first);
  (void)m3u8::parse_attributes(text);
  if (nul == std::string_view::npos) return 0;
  auto second = m3u8::parse(text.substr(nul + 1));
  check_one(second);
  const auto* a = std::get_if<m3u8::MediaPlaylist>(&first.playlist);
  const auto* b = std::get_if<m3u8::MediaPlaylist>(&second.playlist);
  if (a && b) (void)m3u8::check_update(*a, *b);
  return 0;
}
