// The one shape of a per-event refusal: its message, and the event's
// `error` object it becomes (redacted, bounded).
#include "common/refusal.hpp"

#include <gtest/gtest.h>

#include <string>

#include "common/log.hpp"

using Json = nlohmann::json;
using hlsmesh::Refusable;
using hlsmesh::Refusal;

TEST(Refusal, MessageSaysWhatWhyAndWhatToDo) {
  EXPECT_EQ((Refusal{"not uploading /a.ts", "its key is empty", "put {name} in --key"}.message()),
            "not uploading /a.ts: its key is empty; put {name} in --key");
  EXPECT_EQ((Refusal{"cannot seed segment /a.ts", "No such file", ""}.message()),
            "cannot seed segment /a.ts: No such file");
  EXPECT_EQ((Refusal{"", "it has no `duration`", ""}.message()), "it has no `duration`");
  EXPECT_EQ((Refusal{"", "playlist ended", "restart"}.message()), "playlist ended; restart");
}

TEST(Refusal, ErrorFieldIsRedactedAndBounded) {
  hlsmesh::log::add_secret("s3cr3t-refusal-token");
  Json error = Refusal{"upload failed", "https://x/?token=s3cr3t-refusal-token", ""}.error_field("r2push");
  EXPECT_EQ(error["tool"], "r2push");
  const std::string message = error["message"];
  EXPECT_EQ(message.find("s3cr3t-refusal-token"), std::string::npos) << message;
  EXPECT_EQ(message.rfind("upload failed: https://x/?token=", 0), 0u) << message;
  Json long_error = Refusal{"what", std::string(5000, 'x'), ""}.error_field("torrentseed");
  EXPECT_EQ(long_error["message"].get<std::string>().size(), 2000u);
}

TEST(Refusal, RefusableHoldsAValueOrItsRefusal) {
  Refusable<int> value = 7;
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, 7);
  Refusable<int> refused = Refusal{"", "no number", ""};
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.refusal().why, "no number");
}
