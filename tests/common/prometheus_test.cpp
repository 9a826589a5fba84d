#include "common/prometheus.hpp"

#include <gtest/gtest.h>

using namespace hlsmesh;

TEST(Prometheus, LabelsInOrderWithValuesEscaped) {
  EXPECT_EQ(prometheus::labels({{"stream", "live"}, {"rendition", "a\"b\\c\nd"}}),
            "{stream=\"live\",rendition=\"a\\\"b\\\\c\\nd\"}");
  EXPECT_EQ(prometheus::labels({}), "");
}

TEST(Prometheus, FamilyWritesHelpThenType) {
  EXPECT_EQ(prometheus::family("sigd_peers", "gauge", "Peers in all swarms."),
            "# HELP sigd_peers Peers in all swarms.\n# TYPE sigd_peers gauge\n");
}
