// A viewer report's wire format (docs/sigd.md, "Delivery reports"): one flat
// JSON object; every field checked for its type and range, unknown fields
// refused, so a client bug shows up as a 400 naming the field instead of a
// skewed figure.
#include <cmath>

#include "tools/sigd/core/delivery.hpp"

namespace hlsmesh::sigd {

namespace {

// 2^50 bytes (1 PiB): beyond any page's life, and exact in a double.
constexpr double kMaxBytes = 1125899906842624.0;

bool id_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

bool printable(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

class Fields {
 public:
  explicit Fields(std::string& error) : error_(error) {}

  bool number(const json::Node* n, std::string_view name, double max, bool integer, double& out) {
    if (!n) return fail(name, "is missing");
    if (n->type != json::Type::number) return fail(name, "must be a number");
    if (!std::isfinite(n->number) || n->number < 0 || n->number > max)
      return fail(name, "must be between 0 and " + format(max));
    if (integer && n->number != std::floor(n->number)) return fail(name, "must be a whole number");
    out = n->number;
    return true;
  }
  template <typename T>
  bool whole(const json::Node* n, std::string_view name, double max, T& out) {
    double v = 0;
    if (!number(n, name, max, true, v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  bool text(const json::Node* n, std::string_view name, size_t min, size_t max, std::string& out) {
    if (!n) return fail(name, "is missing");
    if (n->type != json::Type::string) return fail(name, "must be a string");
    if (n->text.size() < min || n->text.size() > max)
      return fail(name, "must be " + std::to_string(min) + " to " + std::to_string(max) + " bytes long");
    if (!printable(n->text)) return fail(name, "must not contain control characters");
    out = n->text;
    return true;
  }
  bool fail(std::string_view name, const std::string& what) {
    error_ = "field " + std::string(name) + " " + what;
    return false;
  }

 private:
  static std::string format(double v) {
    return v == kMaxBytes ? "2^50" : std::to_string(static_cast<uint64_t>(v));
  }
  std::string& error_;
};

constexpr std::string_view kFields[] = {"v",      "id",   "stream", "rendition", "seq",   "p2p",       "cdn",
                                        "origin", "other", "up",    "peers",     "stalls", "stalled_s", "latency",
                                        "state"};
constexpr std::string_view kStates[] = {"starting", "playing", "paused", "stalled", "ended", "error", "hidden"};

bool known_members(const json::Document& doc, std::string& error) {
  bool ok = true;
  doc.for_each_member(doc.root(), [&](std::string_view key, const json::Node&) {
    for (auto f : kFields)
      if (f == key) return true;
    error = "unknown field " + std::string(key.substr(0, 40)) + "; a report has only v, id, stream, rendition, seq, "
            "p2p, cdn, origin, other, up, peers, stalls, stalled_s, latency, state";
    ok = false;
    return false;
  });
  return ok;
}

bool identity(const json::Document& doc, Fields& f, ViewerReport& r, std::string& error) {
  const auto& root = doc.root();
  double v = 0;
  if (!f.number(doc.get(root, "v"), "v", 1, true, v)) return false;
  if (v != 1) return f.fail("v", "must be 1 (the report format this sigd reads)");
  if (!f.text(doc.get(root, "id"), "id", 8, 64, r.id)) return false;
  for (char c : r.id)
    if (!id_char(c)) {
      error = "field id must be letters, digits, - and _ only";
      return false;
    }
  if (!f.text(doc.get(root, "stream"), "stream", 1, 256, r.stream)) return false;
  return f.text(doc.get(root, "rendition"), "rendition", 0, 64, r.rendition);
}

bool counters(const json::Document& doc, Fields& f, ViewerReport& r) {
  const auto& root = doc.root();
  return f.whole(doc.get(root, "seq"), "seq", 1e12, r.seq) && f.whole(doc.get(root, "p2p"), "p2p", kMaxBytes, r.p2p) &&
         f.whole(doc.get(root, "cdn"), "cdn", kMaxBytes, r.cdn) &&
         f.whole(doc.get(root, "origin"), "origin", kMaxBytes, r.origin) &&
         f.whole(doc.get(root, "other"), "other", kMaxBytes, r.other) &&
         f.whole(doc.get(root, "up"), "up", kMaxBytes, r.up) && f.whole(doc.get(root, "peers"), "peers", 10000, r.peers) &&
         f.whole(doc.get(root, "stalls"), "stalls", 1e6, r.stalls) &&
         f.number(doc.get(root, "stalled_s"), "stalled_s", 1e7, false, r.stalled_s);
}

bool playback(const json::Document& doc, Fields& f, ViewerReport& r, std::string& error) {
  const auto& root = doc.root();
  const json::Node* latency = doc.get(root, "latency");
  if (latency && latency->type == json::Type::null) {
    r.latency.reset();
  } else {
    double l = 0;
    if (!f.number(latency, "latency", 86400, false, l)) {
      if (latency) error += " or null";
      return false;
    }
    r.latency = l;
  }
  if (!f.text(doc.get(root, "state"), "state", 1, 16, r.state)) return false;
  for (auto s : kStates)
    if (s == r.state) return true;
  error = "field state must be one of starting, playing, paused, stalled, ended, error, hidden";
  return false;
}

}  // namespace

std::optional<ViewerReport> parse_report(json::Document& doc, std::string_view body, std::string& error) {
  if (!doc.parse(body, 4)) {
    error = "not JSON (or nested deeper than a report)";
    return std::nullopt;
  }
  if (doc.root().type != json::Type::object) {
    error = "a report is a JSON object";
    return std::nullopt;
  }
  Fields f(error);
  ViewerReport r;
  if (!known_members(doc, error) || !identity(doc, f, r, error) || !counters(doc, f, r) || !playback(doc, f, r, error))
    return std::nullopt;
  return r;
}

}  // namespace hlsmesh::sigd
