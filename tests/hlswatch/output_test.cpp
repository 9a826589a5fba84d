// hlswatch's events against the contract (docs/events.md, common/events.hpp):
// a field hlswatch writes that the contract does not list, or writes with
// another type, fails here.
#include "tools/hlswatch/output.hpp"

#include <gtest/gtest.h>

#include "common/events.hpp"

namespace {

using hlsmesh::Json;

bool has_type(const Json& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  return false;
}

void expect_in_contract(const Json& event) {
  const std::string name = hlsmesh::events::name(event);
  ASSERT_FALSE(name.empty()) << event.dump();
  for (const auto& [field, value] : event.items()) {
    if (field == "event") continue;
    const auto* row = hlsmesh::events::find_field(name, field);
    ASSERT_NE(row, nullptr) << name << "." << field << " is written by hlswatch but not in docs/events.md";
    EXPECT_TRUE(has_type(value, row->type)) << name << "." << field << " is " << value.dump() << ", the contract says "
                                            << row->type;
    EXPECT_EQ(row->added_by, "hlswatch") << name << "." << field;
  }
}

}  // namespace

TEST(HlswatchOutput, EveryFieldIsInTheContract) {
  hlsmesh::hlswatch::ReadySegment s;
  s.msn = 7;
  s.uri = "seg7.ts";
  s.path = "/srv/hls/720p/seg7.ts";
  s.bytes = 1000;
  s.duration = 2.0;
  s.discontinuity = true;
  s.pdt = "2026-12-07T05:00:00.000Z";
  s.map = "init.mp4";
  s.target_duration = 2;
  const Json segment = hlsmesh::hlswatch::segment_event(s, "live", "720p");
  EXPECT_EQ(segment.size(), 13u) << segment.dump();
  expect_in_contract(segment);
  EXPECT_EQ(segment["msn"], 7);
  EXPECT_EQ(segment["map"], "init.mp4");

  const Json init = hlsmesh::hlswatch::init_event({"init.mp4", "/srv/hls/720p/init.mp4", 800}, "live", "720p");
  EXPECT_EQ(init.size(), 7u) << init.dump();
  expect_in_contract(init);

  expect_in_contract(hlsmesh::hlswatch::end_event({}, "live", "720p"));

  hlsmesh::hlswatch::MasterVariant v;
  v.rendition = "720p";
  v.bandwidth = 2000000;
  v.uri = "720p/index.m3u8";
  const Json master = hlsmesh::hlswatch::master_event({v}, "live");
  expect_in_contract(master);
  EXPECT_EQ(master["renditions"].size(), 1u);
}
