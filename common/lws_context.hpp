#pragma once
// RAII owner of a libwebsockets context, for the programs that use lws (sigd,
// tunnelcheck's tracker check, torrentseed's feed client). Header-only: common
// itself does not link libwebsockets; the programs that include this do.
#include <libwebsockets.h>

#include <memory>

namespace hlsmesh {

struct LwsContextDeleter {
  void operator()(lws_context* context) const noexcept { lws_context_destroy(context); }
};
using LwsContext = std::unique_ptr<lws_context, LwsContextDeleter>;

}  // namespace hlsmesh
