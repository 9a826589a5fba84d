// meshrelay's command codec and swarm ids against p2p-media-loader's own
// code: tests/meshrelay/p2pml-vectors.mjs runs the installed
// p2p-media-loader-core bundle in node and prints what it produces.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "tools/meshrelay/peer_commands.hpp"
#include "tools/meshrelay/swarm_id.hpp"

namespace hlsmesh::meshrelay {
namespace {

struct PipeCloser {
  void operator()(FILE* f) const { pclose(f); }
};

std::string to_hex(const std::string& bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) out += digits[c >> 4], out += digits[c & 15];
  return out;
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t k = 0; k + 1 < hex.size(); k += 2) out += static_cast<char>(std::stoi(hex.substr(k, 2), nullptr, 16));
  return out;
}

std::string source_root() {
  const char* src = std::getenv("HLSMESH_SRC");
  return src && *src ? src : HLSMESH_SOURCE_DIR;
}

bool p2pml_installed() {
  return std::filesystem::exists(source_root() + "/node_modules/p2p-media-loader-core/package.json");
}

// The vectors, or null when node fails (the test then fails, naming why).
const nlohmann::json& vectors() {
  static const nlohmann::json v = [] {
    std::string root = source_root();
    std::string command = "node " + root + "/tests/meshrelay/p2pml-vectors.mjs " + root + "/node_modules 2>&1";
    std::unique_ptr<FILE, PipeCloser> pipe(popen(command.c_str(), "r"));
    std::string out;
    std::array<char, 65536> buffer{};
    while (pipe && fgets(buffer.data(), buffer.size(), pipe.get())) out += buffer.data();
    auto parsed = nlohmann::json::parse(out, nullptr, false);
    if (parsed.is_discarded()) std::fprintf(stderr, "p2pml-vectors.mjs: %s\n", out.c_str());
    return parsed.is_discarded() ? nlohmann::json() : parsed;
  }();
  return v;
}

Command from_json(const nlohmann::json& j) {
  Command c;
  c.type = static_cast<CommandType>(j["c"].get<int>());
  for (const char* name : {"i", "r", "s", "b"}) {
    if (!j.contains(name)) continue;
    auto value = j[name].get<std::int64_t>();
    (name[0] == 'i' ? c.i : name[0] == 'r' ? c.r : name[0] == 's' ? c.s : c.b) = value;
  }
  if (j.contains("l")) c.l = j["l"].get<std::vector<std::int64_t>>();
  if (j.contains("p")) c.p = j["p"].get<std::vector<std::int64_t>>();
  return c;
}

TEST(P2pmlCodec, SwarmIdAndInfoHashAsTheInstalledReleaseDerivesThem) {
  const auto& v = vectors();
  if (!p2pml_installed()) GTEST_SKIP() << "node_modules/p2p-media-loader-core missing (npm ci)";
  ASSERT_FALSE(v.is_null()) << "p2pml-vectors.mjs failed (see stderr)";
  const auto release = parse_release(v["version"].get<std::string>());
  ASSERT_GE(v["hashes"].size(), 24u);
  for (const auto& h : v["hashes"]) {
    const auto& l = h["level"];
    LevelInfo level;
    level.bandwidth = l["bitrate"].get<std::uint64_t>();
    level.video_codecs = l.value("codecs", "");
    if (l.contains("width")) level.width = l["width"].get<std::uint64_t>(), level.height = l["height"].get<std::uint64_t>();
    level.frame_rate = l.value("frameRate", "");
    level.video_range = l.value("videoRange", "");
    const auto index = stream_index(release, level, h["position"].get<int>(), LevelBitrate::bandwidth);
    EXPECT_EQ(index, h["index"].get<std::string>()) << l.dump();
    const auto id = stream_swarm_id(h["swarm"].get<std::string>(), "main", index);
    EXPECT_EQ(id, h["id"].get<std::string>());
    EXPECT_EQ(info_hash(id, release), h["info_hash"].get<std::string>()) << id;
    EXPECT_EQ(info_hash(id, release).size(), 20u);
  }
  // The other release hashes differently: viewers of 2.2 and 2.3 never meet.
  const auto other = release == P2pmlRelease::v2_2 ? P2pmlRelease::v2_3 : P2pmlRelease::v2_2;
  EXPECT_NE(info_hash(v["hashes"][0]["id"].get<std::string>(), other), v["hashes"][0]["info_hash"].get<std::string>());
}

TEST(P2pmlCodec, AudioRenditionSwarmsAsTheInstalledReleaseNamesThem) {
  const auto& v = vectors();
  if (!p2pml_installed()) GTEST_SKIP() << "node_modules/p2p-media-loader-core missing (npm ci)";
  ASSERT_FALSE(v.is_null()) << "p2pml-vectors.mjs failed (see stderr)";
  const auto release = parse_release(v["version"].get<std::string>());
  ASSERT_GE(v["audio"].size(), 8u);
  for (const auto& a : v["audio"]) {
    const auto& t = a["track"];
    LevelInfo level;
    level.type = "secondary";
    level.audio_codecs = t.value("codecs", "");
    level.language = t.value("language", "");
    level.channels = t.value("channels", "");
    level.name = t.value("name", "");
    const auto index = stream_index(release, level, a["position"].get<int>(), LevelBitrate::bandwidth);
    EXPECT_EQ(index, a["index"].get<std::string>()) << t.dump();
    const auto id = stream_swarm_id(a["swarm"].get<std::string>(), "secondary", index);
    EXPECT_EQ(id, a["id"].get<std::string>());
    EXPECT_EQ(info_hash(id, release), a["info_hash"].get<std::string>()) << id;
  }
}

TEST(P2pmlCodec, AudioCodecsAsHlsJsSplitsThem) {
  EXPECT_EQ(audio_codecs_of("avc1.64001f,mp4a.40.2"), "mp4a.40.2");
  EXPECT_EQ(audio_codecs_of("mp4a.40.2, ec-3 avc1.64001f"), "mp4a.40.2,ec-3");
  EXPECT_EQ(audio_codecs_of("avc1.64001f"), "");
  EXPECT_EQ(audio_codecs_of("Opus,fLaC"), "Opus,fLaC");
}

TEST(P2pmlCodec, VideoCodecsAsHlsJsSplitsThem) {
  EXPECT_EQ(video_codecs_of("avc1.64001f,mp4a.40.2"), "avc1.64001f");
  EXPECT_EQ(video_codecs_of("mp4a.40.2, hvc1.2.4.L123.B0"), "hvc1.2.4.L123.B0");
  EXPECT_EQ(video_codecs_of("mp4a.40.2"), "");
}

TEST(P2pmlCodec, PositionModeHashesThePlaceInTheMasterPlusOne) {
  LevelInfo level;
  level.bandwidth = 812345;
  level.video_codecs = "avc1.64001e";
  EXPECT_EQ(stream_index(P2pmlRelease::v2_3, level, 0, LevelBitrate::position), stream_short_id(level, 1));
  EXPECT_NE(stream_index(P2pmlRelease::v2_3, level, 0, LevelBitrate::bandwidth), stream_short_id(level, 1));
  EXPECT_EQ(stream_index(P2pmlRelease::v2_2, level, 2, LevelBitrate::position), "2");
}

TEST(P2pmlCodec, SerializesByteForByteAsP2pml) {
  const auto& v = vectors();
  if (!p2pml_installed()) GTEST_SKIP() << "node_modules/p2p-media-loader-core missing (npm ci)";
  ASSERT_FALSE(v.is_null()) << "p2pml-vectors.mjs failed (see stderr)";
  ASSERT_GE(v["vectors"].size(), 20u);
  for (const auto& vec : v["vectors"]) {
    const auto command = from_json(vec["command"]);
    const auto mine = serialize(command, vec["max"].get<std::size_t>());
    const auto& theirs = vec["messages"];
    ASSERT_EQ(mine.size(), theirs.size()) << vec.dump();
    for (std::size_t k = 0; k < mine.size(); ++k) EXPECT_EQ(to_hex(mine[k]), theirs[k].get<std::string>()) << vec.dump();
  }
}

TEST(P2pmlCodec, DecodesWhatP2pmlSends) {
  const auto& v = vectors();
  if (!p2pml_installed()) GTEST_SKIP() << "node_modules/p2p-media-loader-core missing (npm ci)";
  ASSERT_FALSE(v.is_null()) << "p2pml-vectors.mjs failed (see stderr)";
  for (const auto& vec : v["vectors"]) {
    CommandJoiner joiner;
    std::optional<std::string> body;
    for (const auto& m : vec["messages"]) {
      const auto bytes = from_hex(m.get<std::string>());
      ASSERT_TRUE(is_command_chunk(bytes));
      ASSERT_FALSE(body.has_value()) << "complete before the last part";
      body = joiner.add(bytes);
    }
    ASSERT_TRUE(body.has_value()) << vec.dump();
    auto expected = from_json(vec["command"]);
    if (expected.b == 0) expected.b.reset();  // p2pml leaves out a zero offset
    EXPECT_EQ(deserialize(*body), expected) << vec.dump();
  }
}

TEST(P2pmlCodec, RejectsMalformedCommands) {
  EXPECT_THROW(deserialize(std::string("\x09", 1)), MalformedCommand);                // unknown command type
  EXPECT_THROW(deserialize(std::string("\x01i\x02", 3)), MalformedCommand);           // integer cut short
  EXPECT_THROW(deserialize(std::string("\x01i\x7f\x01", 4)), MalformedCommand);       // unknown field type
  EXPECT_THROW(deserialize(std::string("\x01i\x09\x01\x01\x01\x01\x01\x01\x01\x01\x01", 12)), MalformedCommand);
  EXPECT_THROW(deserialize(std::string("\x00l\x10\x02\x02\x01\x00\x01", 8)), MalformedCommand);  // group runs past the end
  CommandJoiner joiner(64);
  EXPECT_THROW(joiner.add(std::string("dstr\x01\x00", 6) + "dend"), MalformedCommand);  // no first part
  EXPECT_FALSE(joiner.add(std::string("cstr\x01") + "dend").has_value());
  EXPECT_THROW(joiner.add(std::string("cstr\x01") + "cend"), MalformedCommand);  // a new command before the last ended
  CommandJoiner small(8);
  EXPECT_THROW(small.add("cstr0123456789dend"), MalformedCommand);  // over the size cap
  EXPECT_FALSE(is_command_chunk("cstr"));
  EXPECT_FALSE(is_command_chunk(std::string(70000, 'x')));
}

}  // namespace
}  // namespace hlsmesh::meshrelay
