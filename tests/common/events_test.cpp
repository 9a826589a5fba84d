// docs/events.md and common/events.hpp describe the same contract: a field in
// one and not the other (or with another type or program) fails here.
#include "common/events.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <tuple>

namespace {

using Row = std::tuple<std::string, std::string, std::string, std::string>;  // event, field, type, added_by

std::set<Row> rows_of_doc() {
  std::ifstream in(std::string(HLSMESH_SOURCE_DIR) + "/docs/events.md");
  EXPECT_TRUE(in) << "docs/events.md not found under " << HLSMESH_SOURCE_DIR;
  const std::regex section(R"(^## (?:`([a-z_]+)`|Fields added to any event)\s*$)");
  const std::regex row(R"(^\| `([a-z0-9_]+)` \| ([a-z]+) \| ([a-z0-9]+) \|)");
  std::set<Row> rows;
  std::string event, line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, section)) {
      event = m[1].matched ? m[1].str() : "*";
    } else if (line.rfind("## ", 0) == 0) {
      event.clear();
    } else if (!event.empty() && std::regex_search(line, m, row)) {
      rows.insert({event, m[1], m[2], m[3]});
    }
  }
  return rows;
}

std::set<Row> rows_of_header() {
  std::set<Row> rows;
  for (const auto& f : hlsmesh::events::fields())
    rows.insert({std::string(f.event), std::string(f.name), std::string(f.type), std::string(f.added_by)});
  return rows;
}

std::string describe(const Row& r) {
  return std::get<0>(r) + "." + std::get<1>(r) + " (" + std::get<2>(r) + ", " + std::get<3>(r) + ")";
}

}  // namespace

TEST(EventsContract, DocAndHeaderListTheSameFields) {
  const auto doc = rows_of_doc();
  const auto header = rows_of_header();
  ASSERT_GT(doc.size(), 40u) << "docs/events.md's tables were not read";
  for (const auto& r : doc) EXPECT_TRUE(header.count(r)) << describe(r) << " is in docs/events.md, not in events.cpp";
  for (const auto& r : header) EXPECT_TRUE(doc.count(r)) << describe(r) << " is in events.cpp, not in docs/events.md";
  EXPECT_EQ(doc.size(), hlsmesh::events::fields().size()) << "a field is listed twice in common/events.cpp";
}

TEST(EventsContract, FindsFieldsOfOneEventAndOfAnyEvent) {
  const auto* f = hlsmesh::events::find_field("expire", "expire_after");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type, "number");
  EXPECT_EQ(f->added_by, "m3u8roll");
  ASSERT_NE(hlsmesh::events::find_field("segment", "magnet"), nullptr);
  EXPECT_EQ(hlsmesh::events::find_field("segment", "no_such_field"), nullptr);
}

TEST(EventsReaders, TypedReadersTakeOnlyTheRightType) {
  const hlsmesh::Json e = hlsmesh::Json::parse(
      R"({"event":"segment","msn":7,"duration":2.5,"discontinuity":true,"uri":"a.ts","bytes":"12"})");
  EXPECT_EQ(hlsmesh::events::name(e), "segment");
  EXPECT_EQ(hlsmesh::events::integer_field(e, "msn"), 7);
  EXPECT_EQ(hlsmesh::events::number_field(e, "duration"), 2.5);
  EXPECT_EQ(hlsmesh::events::number_field(e, "msn"), 7.0);
  EXPECT_EQ(hlsmesh::events::bool_field(e, "discontinuity"), true);
  EXPECT_EQ(hlsmesh::events::string_field(e, "uri"), "a.ts");
  EXPECT_EQ(hlsmesh::events::integer_field(e, "bytes"), std::nullopt);  // a string, not an integer
  EXPECT_EQ(hlsmesh::events::integer_field(e, "missing"), std::nullopt);
  EXPECT_EQ(hlsmesh::events::name(hlsmesh::Json::array()), "");
  EXPECT_EQ(hlsmesh::events::name(hlsmesh::Json::parse(R"({"event":3})")), "");
}

TEST(EventsBuilders, MakeStartsAnEventThatKeepsWhatIsAdded) {
  hlsmesh::Json e = hlsmesh::events::make("playlist");
  e["custom"] = {{"kept", true}};
  EXPECT_EQ(hlsmesh::events::name(e), "playlist");
  EXPECT_EQ(e.dump(), R"({"custom":{"kept":true},"event":"playlist"})");
}

TEST(EventsReaders, TextFieldNamesAnyValue) {
  const hlsmesh::Json e =
      hlsmesh::Json::parse(R"({"event":"segment","rendition":"720p","msn":42,"stream":null,"duration":2.5})");
  EXPECT_EQ(hlsmesh::events::text_field(e, "rendition"), "720p");
  EXPECT_EQ(hlsmesh::events::text_field(e, "msn"), "42");
  EXPECT_EQ(hlsmesh::events::text_field(e, "duration"), "2.5");
  EXPECT_EQ(hlsmesh::events::text_field(e, "stream"), "");
  EXPECT_EQ(hlsmesh::events::text_field(e, "missing"), "");
}
