#include "common/event_io.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "common/error.hpp"
#include "common/fd.hpp"
#include "common/log.hpp"

using hlsmesh::EventReader;
using hlsmesh::EventWriter;
using hlsmesh::Json;
using hlsmesh::UniqueFd;

namespace {

// A pipe whose write end is filled and closed up front.
UniqueFd pipe_with(const std::string& data) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  EXPECT_EQ(::write(w.get(), data.data(), data.size()), static_cast<ssize_t>(data.size()));
  return r;
}

}  // namespace

TEST(EventReader, ReadsEventsAndSkipsBadLines) {
  hlsmesh::log::set_level(hlsmesh::log::Level::error);
  auto fd = pipe_with(
      "{\"event\":\"segment\",\"msn\":1}\n"
      "not json\n"
      "\n"
      "[1,2]\n"
      "{\"no_event\":1}\n"
      "{\"event\":5}\n"
      "{\"event\":\"end\",\"x\":{\"y\":[1]}}");  // no final newline
  EventReader reader(fd.get());
  auto a = reader.next();
  ASSERT_TRUE(a);
  EXPECT_EQ((*a)["msn"], 1);
  auto b = reader.next();
  ASSERT_TRUE(b);
  EXPECT_EQ((*b)["event"], "end");
  EXPECT_EQ((*b)["x"]["y"][0], 1);
  EXPECT_FALSE(reader.next());
  EXPECT_EQ(reader.stats().events, 2u);
  EXPECT_EQ(reader.stats().bad_lines, 4u);
  EXPECT_EQ(reader.stats().lines, 7u);
}

TEST(EventReader, StrictMakesBadLineFatal) {
  hlsmesh::log::set_level(hlsmesh::log::Level::error);
  auto fd = pipe_with("{\"event\":\"a\"}\n{broken\n");
  EventReader reader(fd.get(), /*strict=*/true);
  EXPECT_TRUE(reader.next());
  try {
    reader.next();
    FAIL() << "expected an Error";
  } catch (const hlsmesh::Error& e) {
    EXPECT_EQ(e.exit(), hlsmesh::Exit::data);
    EXPECT_NE(std::string(e.what()).find("line 2"), std::string::npos);
  }
  hlsmesh::log::set_level(hlsmesh::log::Level::info);
}

TEST(EventReader, ReadAvailableDeliversCompleteLinesOnly) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  EventReader reader(r.get());
  std::vector<Json> got;
  auto sink = [&](Json&& e) { got.push_back(std::move(e)); };
  std::string part1 = "{\"event\":\"a\",\"k\":1}\n{\"event\":\"b\"";
  ASSERT_EQ(::write(w.get(), part1.data(), part1.size()), static_cast<ssize_t>(part1.size()));
  EXPECT_TRUE(reader.read_available(sink));
  ASSERT_EQ(got.size(), 1u);
  std::string part2 = ",\"k\":2}\n";
  ASSERT_EQ(::write(w.get(), part2.data(), part2.size()), static_cast<ssize_t>(part2.size()));
  EXPECT_TRUE(reader.read_available(sink));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[1]["k"], 2);
  w.reset();
  EXPECT_FALSE(reader.read_available(sink));
  EXPECT_TRUE(reader.eof());
}

TEST(EventWriter, OneLinePerEventAndUnknownFieldsKept) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  EventWriter writer(w.get());
  Json e = {{"event", "segment"}, {"custom", {{"nested", true}}}, {"bad_utf8", std::string("\xff\xfe")}};
  writer.write(e);
  writer.write(Json{{"event", "end"}});
  w.reset();
  std::string out(4096, '\0');
  ssize_t n = ::read(r.get(), out.data(), out.size());
  ASSERT_GT(n, 0);
  out.resize(static_cast<size_t>(n));
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 2);
  auto first = Json::parse(out.substr(0, out.find('\n')));
  EXPECT_EQ(first["custom"]["nested"], true);
  EXPECT_EQ(writer.written(), 2u);
}

TEST(EventWriter, ClosedPipeThrowsPipeClosed) {
  signal(SIGPIPE, SIG_IGN);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  r.reset();
  EventWriter writer(w.get());
  EXPECT_THROW(writer.write(Json{{"event", "x"}}), EventWriter::PipeClosed);
}

TEST(EventWriter, QuietWritesNothing) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  UniqueFd r(fds[0]), w(fds[1]);
  EventWriter writer(w.get(), /*quiet=*/true);
  writer.write(Json{{"event", "x"}});
  w.reset();
  char c;
  EXPECT_EQ(::read(r.get(), &c, 1), 0);
}
