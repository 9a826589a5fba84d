// Unit tests of the delivery aggregates (tools/sigd/core/delivery*): report
// validation with the reason, deltas of cumulative counters, windows,
// percentiles, expiry, caps, rate limits and the origin alarm.
#include <gtest/gtest.h>

#include <string>

#include "tools/sigd/core/delivery.hpp"

using namespace hlsmesh::sigd;

namespace {

std::string body(const std::string& id, uint64_t seq, uint64_t p2p, uint64_t cdn, uint64_t origin = 0,
                 const std::string& extra = R"("latency":12.2,"state":"playing")", const std::string& rendition = "720p") {
  return R"({"v":1,"id":")" + id + R"(","stream":"https://cdn.example/live/stream.m3u8","rendition":")" + rendition +
         R"(","seq":)" + std::to_string(seq) + R"(,"p2p":)" + std::to_string(p2p) + R"(,"cdn":)" +
         std::to_string(cdn) + R"(,"origin":)" + std::to_string(origin) +
         R"(,"other":0,"up":100,"peers":3,"stalls":0,"stalled_s":0,)" + extra + "}";
}

std::string refused(Delivery& d, const std::string& b, ReportRefusal expected) {
  std::string error;
  auto r = d.report(b, 1000, error);
  EXPECT_TRUE(r.has_value()) << b;
  if (r) {
    EXPECT_EQ(refusal_name(*r), refusal_name(expected)) << error;
  }
  return error;
}

}  // namespace

TEST(DeliveryReport, RefusesBadInputNamingTheField) {
  Delivery d;
  EXPECT_EQ(refused(d, "{nope", ReportRefusal::json), "not JSON (or nested deeper than a report)");
  EXPECT_EQ(refused(d, "[1,2]", ReportRefusal::json), "a report is a JSON object");
  EXPECT_EQ(refused(d, std::string(5000, ' '), ReportRefusal::body_size), "report of 5000 bytes; at most 4096");
  std::string b = body("viewer-0001", 1, 10, 10);
  EXPECT_EQ(refused(d, std::string(b).replace(b.find("\"p2p\":10"), 8, "\"p2p\":\"10\""), ReportRefusal::field),
            "field p2p must be a number");
  EXPECT_EQ(refused(d, std::string(b).replace(b.find("\"p2p\":10"), 8, "\"p2p\":-10"), ReportRefusal::field),
            "field p2p must be between 0 and 2^50");
  EXPECT_EQ(refused(d, std::string(b).replace(b.find("\"p2p\":10"), 8, "\"p2p\":1e300"), ReportRefusal::field),
            "field p2p must be between 0 and 2^50");
  EXPECT_EQ(refused(d, std::string(b).replace(b.find("\"p2p\":10"), 8, "\"p2p\":1.5"), ReportRefusal::field),
            "field p2p must be a whole number");
  EXPECT_EQ(refused(d, body("short", 1, 0, 0), ReportRefusal::field), "field id must be 8 to 64 bytes long");
  EXPECT_EQ(refused(d, body("viewer 0001", 1, 0, 0), ReportRefusal::field),
            "field id must be letters, digits, - and _ only");
  EXPECT_EQ(refused(d, body("viewer-0001", 1, 0, 0, 0, R"("latency":"x","state":"playing")"), ReportRefusal::field),
            "field latency must be a number or null");
  EXPECT_EQ(refused(d, body("viewer-0001", 1, 0, 0, 0, R"("latency":null,"state":"dancing")"), ReportRefusal::field),
            "field state must be one of starting, playing, paused, stalled, ended, error, hidden");
  EXPECT_EQ(refused(d, body("viewer-0001", 1, 0, 0, 0, R"("latency":null,"state":"playing","ua":"x")"),
                    ReportRefusal::field)
                .substr(0, 16),
            "unknown field ua");
  EXPECT_EQ(refused(d, R"({"v":1})", ReportRefusal::field), "field id is missing");
  EXPECT_EQ(d.accepted(), 0u);
  EXPECT_EQ(d.refused(ReportRefusal::field), 10u);
  EXPECT_EQ(d.refused(ReportRefusal::json), 2u);
}

TEST(DeliveryReport, CumulativeCountersBecomeDeltasAndStaleOnesAreRefused) {
  Delivery d;
  std::string error;
  EXPECT_FALSE(d.report(body("viewer-0001", 1, 1000, 3000), 1000, error)) << error;
  EXPECT_FALSE(d.report(body("viewer-0001", 2, 7000, 5000), 11000, error)) << error;
  EXPECT_FALSE(d.report(body("viewer-0002", 1, 2000, 0), 11000, error)) << error;
  EXPECT_EQ(d.report(body("viewer-0001", 2, 9000, 5000), 12000, error), ReportRefusal::stale);
  auto rows = d.figures(12000, 60);
  ASSERT_EQ(rows.size(), 1u);
  const auto& w = rows[0].second;
  EXPECT_EQ(w.viewers, 2u);
  EXPECT_EQ(w.p2p, 9000u);  // 7000 from the first viewer, not 1000 + 7000
  EXPECT_EQ(w.cdn, 5000u);
  EXPECT_NEAR(w.p2p_share, 9000.0 / 14000.0, 1e-9);
  EXPECT_NEAR(w.peers_per_viewer, 3.0, 1e-9);
  ASSERT_TRUE(w.latency_p50);
  EXPECT_NEAR(*w.latency_p50, 12.25, 0.01);  // the 12.0-12.5 s bin
  EXPECT_EQ(d.stats_json(12000)["streams"][0]["total"]["p2p"], 9000u);
}

TEST(DeliveryWindows, OldBucketsLeaveTheMinuteButStayInTenMinutes) {
  Delivery d;
  std::string error;
  ASSERT_FALSE(d.report(body("viewer-0001", 1, 6000, 0), 0, error));
  ASSERT_FALSE(d.report(body("viewer-0001", 2, 6000, 6000), 120000, error));
  auto one = d.figures(120000, 60)[0].second, ten = d.figures(120000, 600)[0].second;
  EXPECT_EQ(one.p2p, 0u);
  EXPECT_EQ(one.cdn, 6000u);
  EXPECT_NEAR(one.cdn_bps, 100.0, 1e-9);
  EXPECT_EQ(ten.p2p, 6000u);
  EXPECT_NEAR(ten.p2p_share, 0.5, 1e-9);
}

TEST(DeliveryWindows, StallRatioAndLatencyPercentiles) {
  Delivery d;
  std::string error;
  for (int i = 0; i < 20; ++i) {
    const std::string id = "viewer-" + std::to_string(1000 + i);
    const std::string lat = R"("latency":)" + std::to_string(i < 19 ? 10 : 25) + R"(,"state":"playing")";
    ASSERT_FALSE(d.report(body(id, 1, 0, 0, 0, lat), 0, error)) << error;
  }
  auto w = d.figures(1000, 60)[0].second;
  EXPECT_NEAR(*w.latency_p50, 10.25, 0.01);
  EXPECT_NEAR(*w.latency_p95, 10.25, 0.01);  // 19 of 20 at 10 s
  // 10 s later viewer-1000 says it stalled twice, 2.5 s in all: a quarter
  // of the 10 s it watched since its first report.
  std::string stalled = body("viewer-1000", 2, 0, 0, 0, R"("latency":null,"state":"stalled")");
  stalled.replace(stalled.find(R"("stalls":0,"stalled_s":0)"), 24, R"("stalls":2,"stalled_s":2.5)");
  ASSERT_FALSE(d.report(stalled, 10000, error)) << error;
  w = d.figures(10000, 60)[0].second;
  EXPECT_EQ(w.stalls, 2u);
  EXPECT_NEAR(w.stall_ratio, 0.25, 1e-9);
}

TEST(DeliveryLimits, CapsViewersAndStreams) {
  DeliveryLimits limits;
  limits.max_viewers = 2;
  limits.max_series = 1;
  Delivery d(limits);
  std::string error;
  EXPECT_FALSE(d.report(body("viewer-0001", 1, 0, 0), 0, error));
  EXPECT_EQ(d.report(body("viewer-0002", 1, 0, 0, 0, R"("latency":null,"state":"playing")", "1080p"), 0, error),
            ReportRefusal::stream_limit);
  EXPECT_FALSE(d.report(body("viewer-0002", 1, 0, 0), 0, error));
  EXPECT_EQ(d.report(body("viewer-0003", 1, 0, 0), 0, error), ReportRefusal::viewer_limit);
  d.expire(31000);  // both silent for more than 30 s
  EXPECT_EQ(d.live_viewers(), 0u);
  EXPECT_FALSE(d.report(body("viewer-0003", 1, 0, 0), 31000, error));

}

TEST(DeliveryAlarm, OriginBytesWhileACdnExistsAreNamedOnce) {
  Delivery d;
  std::string error;
  ASSERT_FALSE(d.report(body("viewer-0001", 1, 0, 0, 5000), 0, error));
  EXPECT_TRUE(d.take_origin_alarms().empty());  // no CDN known: the origin is the only server
  ASSERT_FALSE(d.report(body("viewer-0002", 1, 0, 9000, 0), 0, error));
  ASSERT_FALSE(d.report(body("viewer-0001", 2, 0, 0, 8000), 1000, error));
  auto alarms = d.take_origin_alarms();
  ASSERT_EQ(alarms.size(), 1u);
  EXPECT_EQ(alarms[0].second, "720p");
  ASSERT_FALSE(d.report(body("viewer-0001", 3, 0, 0, 9000), 2000, error));
  EXPECT_TRUE(d.take_origin_alarms().empty());  // once per stream
  EXPECT_TRUE(d.stats_json(2000)["streams"][0]["origin_alarm"].get<bool>());
}

TEST(DeliveryOutput, MetricsEventsAndHistory) {
  Delivery d;
  std::string error;
  ASSERT_FALSE(d.report(body("viewer-0001", 1, 3000, 1000), 5000, error));
  const std::string text = d.prometheus_text(6000);
  EXPECT_NE(text.find("hlsmesh_delivery_bytes_p2p_total{stream=\"https://cdn.example/live/stream.m3u8\","
                      "rendition=\"720p\"} 3000"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("hlsmesh_delivery_p2p_share{"), std::string::npos);
  auto events = d.events(6000);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["event"], "delivery");
  EXPECT_EQ(events[0]["p2p_share"], 0.75);
  auto h = d.history_json(6000);
  ASSERT_EQ(h["streams"][0]["points"].size(), 1u);
  EXPECT_EQ(h["streams"][0]["points"][0][3], 3000u);
}

TEST(DeliveryRelay, FoldsWhatGrewBesideTheViewersSeries) {
  Delivery d;
  std::string error;
  ASSERT_FALSE(d.report(body("viewer-0001", 1, 9000, 1000), 1000, error)) << error;
  auto relay = [](uint64_t seq, uint64_t bytes) {
    return R"({"v":1,"relay":"relay-run-1","seq":)" + std::to_string(seq) +
           R"(,"streams":[{"stream":"https://cdn.example/live/stream.m3u8","rendition":"720p","bytes":)" +
           std::to_string(bytes) + R"(,"peers":3}]})";
  };
  ASSERT_FALSE(d.relay_report(relay(1, 4000), 2000, error)) << error;
  ASSERT_FALSE(d.relay_report(relay(2, 6000), 12000, error)) << error;
  auto stale = d.relay_report(relay(2, 9000), 13000, error);
  ASSERT_TRUE(stale.has_value());
  EXPECT_EQ(refusal_name(*stale), "stale");
  const auto rows = d.figures(14000, 60);
  ASSERT_EQ(rows.size(), 1u);  // the viewers' series, not a second one
  EXPECT_EQ(rows[0].second.relay, 6000u);
  EXPECT_EQ(rows[0].second.p2p, 9000u);
  EXPECT_EQ(rows[0].second.relays, 1u);
  EXPECT_EQ(rows[0].second.relay_peers, 3u);
  d.expire(60000);  // the relay went quiet: no longer counted as live
  EXPECT_EQ(d.figures(60000, 600)[0].second.relays, 0u);
  EXPECT_EQ(d.figures(60000, 600)[0].second.relay, 6000u);
}
