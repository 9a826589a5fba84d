// AllowList::load: the one part of the access rules that reads a file, kept
// out of core/ (which does no I/O).
#include <cerrno>
#include <fstream>

#include "common/error.hpp"
#include "tools/sigd/core/access.hpp"

namespace hlsmesh::sigd {

void AllowList::load(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw hlsmesh::Error(hlsmesh::Exit::config, "cannot read --allow-list " + path + ": " + hlsmesh::errno_text(errno) +
                                                    "; check the path and its permissions");
  std::unordered_set<Id20, Id20Hash> next;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    size_t b = line.find_first_not_of(" \t\r"), e = line.find_last_not_of(" \t\r");
    if (b == std::string::npos) continue;
    auto id = from_hex(std::string_view(line).substr(b, e - b + 1));
    if (!id)
      throw hlsmesh::Error(hlsmesh::Exit::config, "--allow-list " + path + " line " + std::to_string(number) +
                                                      ": expected a 40-character hex info hash");
    next.insert(*id);
  }
  hashes_.swap(next);
  enabled_ = true;
}

}  // namespace hlsmesh::sigd
