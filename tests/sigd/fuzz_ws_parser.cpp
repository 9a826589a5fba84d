// libFuzzer target: sigd's WebTorrent message parser and everything it feeds
// (binary-id decoding, reply writers), plus the Range parser. Build and run
// with `make -C tests/sigd fuzz` (clang with -fsanitize=fuzzer,address,undefined).
// core/json_view (nlohmann's SAX parser into a node table) must accept
// exactly what nlohmann::json accepts: checked on every input.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tools/sigd/static_files.hpp"
#include "tools/sigd/core/ws_protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  hlsmesh::sigd::WsRequest req = hlsmesh::sigd::parse_ws_message(text, 10, 255);
  const auto* error = std::get_if<hlsmesh::sigd::ParseError>(&req);
  if (!error || error->kind != "depth") {  // nesting past 8 is refused, JSON or not
    const bool parsed = !(error && error->kind == "json");
    if (parsed != nlohmann::json::accept(text)) __builtin_trap();
  }
  if (auto* a = std::get_if<hlsmesh::sigd::AnnounceRequest>(&req)) {
    (void)hlsmesh::sigd::announce_reply(1, 2, 120, a->info_hash);
    for (const auto& o : a->offers) (void)hlsmesh::sigd::offer_message(o, a->peer_id, a->info_hash);
    if (a->is_answer) (void)hlsmesh::sigd::answer_message(*a);
  } else if (auto* s = std::get_if<hlsmesh::sigd::ScrapeRequest>(&req)) {
    std::vector<hlsmesh::sigd::ScrapeFile> files;
    for (const auto& ih : s->info_hashes) files.push_back({ih, 0, 0, 0});
    (void)hlsmesh::sigd::scrape_reply(files, 600);
  } else {
    (void)hlsmesh::sigd::failure_message(std::get<hlsmesh::sigd::ParseError>(req));
  }
  (void)hlsmesh::sigd::decode_binary_string(text);
  hlsmesh::sigd::ByteRange range;
  (void)hlsmesh::sigd::parse_range(text, 1000, range);
  return 0;
}
