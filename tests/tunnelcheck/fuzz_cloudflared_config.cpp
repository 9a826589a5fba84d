// libFuzzer target: tunnelcheck's cloudflared config.yml reader (YAML, key
// tables, ingress rules with their RE2 path regexes) and the first-match
// routing run on what it loaded. `make -C tests/fuzz run-fuzz_cloudflared_config`.
// load_ingress() reads a file, so each input is written to one per process.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tools/tunnelcheck/ingress.hpp"

namespace {

std::string config_path;

void remove_config() { std::remove(config_path.c_str()); }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* tmp = std::getenv("TMPDIR");
  config_path = std::string(tmp && *tmp ? tmp : "/tmp") + "/fuzz_cloudflared_config." + std::to_string(::getpid()) + ".yml";
  std::atexit(remove_config);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  {
    std::FILE* f = std::fopen(config_path.c_str(), "wb");
    if (!f) std::abort();
    if (size && std::fwrite(data, 1, size, f) != size) std::abort();
    std::fclose(f);
  }
  hlsmesh::tunnelcheck::Report report;
  auto config = hlsmesh::tunnelcheck::load_ingress(config_path, report);
  (void)report.status();
  if (!config) return 0;
  for (const char* url : {"https://tv.example.com/live/index.m3u8", "http://a.b:8080/announce?x=1", "https://[::1]/"}) {
    if (const auto* rule = hlsmesh::tunnelcheck::route(*config, url)) (void)rule->describe();
  }
  return 0;
}
