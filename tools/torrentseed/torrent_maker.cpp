#include "tools/torrentseed/torrent_maker.hpp"

#include <libtorrent/create_torrent.hpp>
#include <libtorrent/file_storage.hpp>
#include <libtorrent/hasher.hpp>
#include <libtorrent/magnet_uri.hpp>
#include <openssl/evp.h>

#include <stdexcept>

#include "common/http_client.hpp"
#include "common/url.hpp"

namespace hlsmesh::torrentseed {

void check_torrent_spec(std::int64_t size, const TorrentSpec& spec) {
  if (size <= 0) throw std::invalid_argument("the segment is empty (0 bytes)");
  if (spec.piece_size < 16 * 1024 || spec.piece_size % (16 * 1024) != 0) {
    throw std::invalid_argument("piece size " + std::to_string(spec.piece_size) + " is not a multiple of 16 KiB");
  }
}

MadeTorrent make_torrent(std::int64_t size, const std::vector<lt::sha1_hash>& piece_hashes, const TorrentSpec& spec) {
  check_torrent_spec(size, spec);
  lt::file_storage files;
  files.add_file(spec.name, size);
  lt::create_torrent creator(files, spec.piece_size, lt::create_torrent::v1_only);
  if (static_cast<std::size_t>(creator.num_pieces()) != piece_hashes.size()) {
    throw std::invalid_argument(std::to_string(piece_hashes.size()) + " piece hashes for a torrent of " +
                                std::to_string(creator.num_pieces()) + " pieces");
  }
  for (int piece = 0; piece < creator.num_pieces(); ++piece) {
    creator.set_hash(lt::piece_index_t(piece), piece_hashes[static_cast<std::size_t>(piece)]);
  }
  if (!spec.web_seed_url.empty()) creator.add_url_seed(spec.web_seed_url);
  int tier = 0;
  for (const auto& tracker : spec.trackers) creator.add_tracker(tracker, tier++);
  creator.set_creator("hlsmesh torrentseed " HLSMESH_VERSION);

  MadeTorrent made;
  made.buffer = creator.generate_buf();
  made.info = std::make_shared<lt::torrent_info>(made.buffer, lt::from_span);
  made.infohash = infohash_hex(made.info->info_hashes());
  return made;
}

MadeTorrent make_torrent(std::string_view content, const TorrentSpec& spec) {
  check_torrent_spec(static_cast<std::int64_t>(content.size()), spec);
  const auto piece_size = static_cast<std::size_t>(spec.piece_size);
  std::vector<lt::sha1_hash> hashes;
  hashes.reserve((content.size() + piece_size - 1) / piece_size);
  for (std::size_t offset = 0; offset < content.size(); offset += piece_size) {
    std::string_view chunk = content.substr(offset, piece_size);
    hashes.push_back(lt::hasher(chunk.data(), static_cast<int>(chunk.size())).final());
  }
  return make_torrent(static_cast<std::int64_t>(content.size()), hashes, spec);
}

std::string make_magnet(const lt::torrent_info& info, const std::vector<std::string>& extra_trackers) {
  std::string magnet = lt::make_magnet_uri(info);
  for (const auto& tracker : extra_trackers) magnet += "&tr=" + hlsmesh::url::encode(tracker);
  return magnet;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes '=' padding stands for; drop them.
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

std::string infohash_hex(const lt::info_hash_t& hashes) {
  if (!hashes.has_v1()) return {};
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (char byte : hashes.v1) {
    auto b = static_cast<unsigned char>(byte);
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

bool is_infohash(std::string_view text) {
  if (text.size() != 40) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) return false;
  }
  return true;
}

}  // namespace hlsmesh::torrentseed
