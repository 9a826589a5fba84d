#include "tools/meshrelay/swarm_id.hpp"

#include <openssl/evp.h>

#include <array>
#include <random>
#include <stdexcept>

#include "common/error.hpp"

namespace hlsmesh::meshrelay {
namespace {

std::string digest(const EVP_MD* md, std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), out.data(), &length, md, nullptr) != 1) {
    throw std::runtime_error("OpenSSL EVP_Digest failed");
  }
  return {reinterpret_cast<const char*>(out.data()), length};
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

P2pmlRelease parse_release(std::string_view text) {
  if (text.starts_with("2.2")) return P2pmlRelease::v2_2;
  if (text.starts_with("2.3")) return P2pmlRelease::v2_3;
  throw Error(Exit::usage, "--p2pml " + std::string(text) +
                               ": expected the p2p-media-loader release the viewers run, 2.2 or 2.3 (their swarm "
                               "hashes differ)");
}

std::string_view release_name(P2pmlRelease release) { return release == P2pmlRelease::v2_2 ? "2.2" : "2.3"; }

std::string stream_swarm_id(std::string_view swarm, std::string_view type, int index) {
  return "v2-" + std::string(swarm) + "-" + std::string(type) + "-" + std::to_string(index);
}

std::string without_query(std::string_view url) { return std::string(url.substr(0, url.find('?'))); }

std::string info_hash(std::string_view id, P2pmlRelease release) {
  if (release == P2pmlRelease::v2_2) return base64(digest(EVP_md5(), id).substr(1, 15));
  return base64(digest(EVP_sha1(), id).substr(0, 15));
}

std::string make_peer_id() {
  static constexpr std::string_view symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device device;
  std::uniform_int_distribution<std::size_t> pick(0, symbols.size() - 1);
  std::string id = "-MR0100-";
  while (id.size() < 20) id += symbols[pick(device)];
  return id;
}

}  // namespace hlsmesh::meshrelay
