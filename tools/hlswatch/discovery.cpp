#include "tools/hlswatch/discovery.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <memory>

#include "common/fd.hpp"
#include "common/m3u8.hpp"

namespace hlsmesh::hlswatch {

namespace m3u8 = hlsmesh::m3u8;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string join(const std::string& dir, const std::string& name) {
  if (dir.empty() || dir.back() == '/') return dir + name;
  return dir + "/" + name;
}

std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string(".") : (slash == 0 ? std::string("/") : path.substr(0, slash));
}

std::string stem_of(const std::string& name) {
  size_t dot = name.rfind('.');
  return dot == std::string::npos || dot == 0 ? name : name.substr(0, dot);
}

struct DirCloser {
  void operator()(DIR* d) const { ::closedir(d); }
};

using DirNames = std::vector<std::pair<std::string, bool>>;  // name, is directory

// Names in `dir`, sorted; nullopt with errno on failure.
std::optional<DirNames> list_dir(const std::string& dir) {
  std::unique_ptr<DIR, DirCloser> d(::opendir(dir.c_str()));
  if (!d) return std::nullopt;
  DirNames names;
  errno = 0;
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    if (name.empty() || name[0] == '.') continue;
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN) {
      struct stat st {};
      is_dir = ::stat(join(dir, name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
    }
    names.emplace_back(std::move(name), is_dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool is_playlist_name(const std::string& name) { return ends_with(name, ".m3u8") || ends_with(name, ".m3u"); }

}  // namespace

std::string base_of(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

uint64_t text_hash(const std::string& text) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::optional<std::string> read_file(const std::string& path) {
  hlsmesh::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return text;
}

std::string rendition_name_for_uri(const std::string& uri) {
  std::string path = uri.substr(0, uri.find_first_of("?#"));
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    std::string dir = path.substr(0, slash);
    size_t prev = dir.rfind('/');
    return prev == std::string::npos ? dir : dir.substr(prev + 1);
  }
  return stem_of(path);
}

nlohmann::json master_renditions_json(const std::vector<MasterVariant>& variants) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& v : variants) {
    nlohmann::json r = {{"rendition", v.rendition}, {"bandwidth", v.bandwidth}};
    if (v.average_bandwidth) r["average_bandwidth"] = *v.average_bandwidth;
    if (!v.codecs.empty()) r["codecs"] = v.codecs;
    if (!v.resolution.empty()) r["resolution"] = v.resolution;
    if (v.frame_rate) r["frame_rate"] = *v.frame_rate;
    r["uri"] = v.uri;
    list.push_back(std::move(r));
  }
  return list;
}

namespace {

// The master's variants as renditions, each variant playlist read where the
// master points (a variant given as a URL or absolute path: next to it).
void take_master(Discovery& out, const std::string& root, const std::string& path,
                 const m3u8::MasterPlaylist& master) {
  out.kind = Discovery::Kind::master;
  out.master_path = path;
  for (const auto& v : master.variants) {
    MasterVariant mv;
    mv.rendition = rendition_name_for_uri(v.uri);
    mv.bandwidth = v.bandwidth;
    mv.average_bandwidth = v.average_bandwidth;
    mv.codecs = v.codecs;
    mv.resolution = v.resolution;
    mv.frame_rate = v.frame_rate;
    mv.uri = v.uri;
    std::string variant_path = join(root, v.uri.substr(0, v.uri.find_first_of("?#")));
    if (v.uri.find("://") != std::string::npos || (!v.uri.empty() && v.uri[0] == '/')) {
      variant_path = join(root, base_of(v.uri));  // a URL: look next to the master
    }
    out.renditions.push_back({mv.rendition, variant_path, dir_of(variant_path)});
    out.variants.push_back(std::move(mv));
  }
}

// The playlists in `root` itself: the first complete master with variants
// makes `out` a master; media playlists (also those caught mid-write) go to
// `media_paths`. True when a master was caught mid-write.
bool read_root_playlists(Discovery& out, const std::string& root, const DirNames& names,
                         const std::string& playlist_name, std::vector<std::string>& media_paths) {
  bool master_incomplete = false;
  for (const auto& [name, is_dir] : names) {
    if (is_dir || !is_playlist_name(name)) continue;
    if (!playlist_name.empty() && name != playlist_name) continue;
    std::string path = join(root, name);
    auto text = read_file(path);
    if (!text) continue;
    auto parsed = m3u8::parse(*text);
    if (!parsed.complete) {
      // Mid-write: a master is recognisable by its tag even when cut off.
      bool master_like = text->find("#EXT-X-STREAM-INF") != std::string::npos;
      if (master_like || text->empty()) out.read_again = true;
      if (master_like) master_incomplete = true;
      if (!master_like && !text->empty()) media_paths.push_back(path);
      continue;
    }
    if (parsed.is_master() && out.kind != Discovery::Kind::master) {
      const auto& master = std::get<m3u8::MasterPlaylist>(parsed.playlist);
      if (!master.variants.empty()) take_master(out, root, path, master);
    } else if (!parsed.is_master()) {
      media_paths.push_back(path);
    }
  }
  return master_incomplete;
}

void take_media(Discovery& out, const std::string& root, const std::vector<std::string>& media_paths) {
  out.kind = Discovery::Kind::media;
  for (const auto& path : media_paths) {
    std::string name = media_paths.size() == 1 ? base_of(root) : stem_of(base_of(path));
    out.renditions.push_back({name, path, root});
  }
}

// No playlist in `root`: variant directories (Owncast's 0/, 1/ before the
// master is written), each with its own playlist.
void take_subdirs(Discovery& out, const std::string& root, const DirNames& names, const std::string& playlist_name) {
  for (const auto& [name, is_dir] : names) {
    if (!is_dir) continue;
    std::string sub = join(root, name);
    auto sub_names = list_dir(sub);
    if (!sub_names) continue;
    std::string chosen;
    for (const auto& [file, file_is_dir] : *sub_names) {
      if (file_is_dir || !is_playlist_name(file)) continue;
      if (!playlist_name.empty() && file != playlist_name) continue;
      if (chosen.empty() || file == "stream.m3u8") chosen = file;
    }
    if (chosen.empty()) continue;
    out.renditions.push_back({name, join(sub, chosen), sub});
  }
  if (!out.renditions.empty()) out.kind = Discovery::Kind::subdirs;
}

// `rendition_override` names a lone rendition (and its variant, in a master).
void name_lone_rendition(Discovery& out, const std::string& rendition_override) {
  if (out.renditions.size() != 1 || rendition_override.empty()) return;
  out.renditions[0].name = rendition_override;
  if (!out.variants.empty()) out.variants[0].rendition = rendition_override;
}

}  // namespace

Discovery discover(const std::string& root, const std::string& playlist_name, const std::string& rendition_override) {
  Discovery out;
  auto names = list_dir(root);
  if (!names) {
    out.error = errno ? errno : EIO;
    return out;
  }
  std::vector<std::string> media_paths;
  const bool master_incomplete = read_root_playlists(out, root, *names, playlist_name, media_paths);
  if (out.kind == Discovery::Kind::master) {
    // its variants, found above
  } else if (master_incomplete) {
    return out;  // kind none, read_again: wait for the master
  } else if (!media_paths.empty()) {
    take_media(out, root, media_paths);
  } else {
    take_subdirs(out, root, *names, playlist_name);
  }
  name_lone_rendition(out, rendition_override);
  return out;
}

}  // namespace hlsmesh::hlswatch
