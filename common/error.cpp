#include "common/error.hpp"

#include <cerrno>
#include <cstring>

namespace hlsmesh {

std::string errno_text(int err) {
  const char* name = nullptr;
  switch (err) {
    case EACCES: name = "EACCES"; break;
    case EPERM: name = "EPERM"; break;
    case ENOENT: name = "ENOENT"; break;
    case ENOSPC: name = "ENOSPC"; break;
    case EROFS: name = "EROFS"; break;
    case EXDEV: name = "EXDEV"; break;
    case ENOTDIR: name = "ENOTDIR"; break;
    case EISDIR: name = "EISDIR"; break;
    case EEXIST: name = "EEXIST"; break;
    case EMFILE: name = "EMFILE"; break;
    case EIO: name = "EIO"; break;
    case EPIPE: name = "EPIPE"; break;
    default: break;
  }
  std::string text = std::strerror(err);
  if (name) text += std::string(" (") + name + ")";
  return text;
}

}  // namespace hlsmesh
