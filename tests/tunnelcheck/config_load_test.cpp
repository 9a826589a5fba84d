// The config loader against cloudflared's own decisions: each test names the
// Go function (cloudflared or the Go standard library it calls) that decides
// the case. The corpus (corpus/config/*.yml, cases.txt) covers the verdicts;
// these check the Go rules themselves and the fix texts.
#include <gtest/gtest.h>

#include <fstream>

#include "tools/tunnelcheck/config_literal.hpp"
#include "tools/tunnelcheck/go_rules.hpp"
#include "tools/tunnelcheck/ingress.hpp"

using namespace hlsmesh::tunnelcheck;

namespace {

const Finding* find(const Report& report, const std::string& code) {
  for (const auto& f : report.findings())
    if (f.code == code) return &f;
  return nullptr;
}

Report load_text(const std::string& yaml) {
  std::string path = ::testing::TempDir() + "/config_load.yml";
  std::ofstream(path) << yaml;
  Report report;
  load_ingress(path, report);
  return report;
}

std::string url_error(const std::string& raw) {
  auto r = go::parse_url(raw);
  auto* e = std::get_if<std::string>(&r);
  return e ? *e : "";
}

}  // namespace

// net/url.Parse (parseHost, getScheme), as validateIngress calls it.
TEST(GoRules, UrlParseDecidesLikeNetUrl) {
  EXPECT_EQ(url_error("http://${HOST}:8080"), "parse \"http://${HOST}:8080\": invalid character \"{\" in host name");
  EXPECT_EQ(url_error("http://localhost:${PORT}"),
            "parse \"http://localhost:${PORT}\": invalid port \":${PORT}\" after host");
  EXPECT_EQ(url_error("https://envoy.{{ .Release.Namespace }}.svc"),
            "parse \"https://envoy.{{ .Release.Namespace }}.svc\": invalid character \"{\" in host name");
  auto q = std::get<go::ParsedUrl>(go::parse_url("http://host:8080?x=1"));
  EXPECT_EQ(q.hostname, "host");
  EXPECT_EQ(q.path, "");  // the query is RawQuery: validateIngress accepts it
  auto dollar = std::get<go::ParsedUrl>(go::parse_url("http://$HOST:8080"));
  EXPECT_EQ(dollar.hostname, "$HOST");  // '$' is allowed in a host: accepted, then never resolves
  auto opaque = std::get<go::ParsedUrl>(go::parse_url("localhost:8000"));
  EXPECT_EQ(opaque.scheme, "localhost");
  EXPECT_EQ(opaque.hostname, "");  // -> "please make sure it has a scheme and a hostname"
  EXPECT_EQ(std::get<go::ParsedUrl>(go::parse_url("http://[::1]:8080/")).path, "/");
}

// time.ParseDuration (CustomDuration.UnmarshalYAML -> yaml.v3 decoder.scalar).
TEST(GoRules, ParseDurationNeedsAUnit) {
  EXPECT_EQ(go::parse_duration_seconds("30s"), 30.0);
  EXPECT_EQ(go::parse_duration_seconds("1m30s"), 90.0);
  EXPECT_EQ(go::parse_duration_seconds("1.5h"), 5400.0);
  EXPECT_EQ(go::parse_duration_seconds("0"), 0.0);
  EXPECT_FALSE(go::parse_duration_seconds("30"));
  EXPECT_FALSE(go::parse_duration_seconds("30 s"));
  EXPECT_FALSE(go::parse_duration_seconds("30sec"));
  EXPECT_FALSE(go::parse_duration_seconds(""));
}

// strconv.Atoi (validateIngress, http_status:).
TEST(GoRules, AtoiTakesASign) {
  EXPECT_EQ(std::get<long long>(go::atoi("+404")), 404);
  EXPECT_EQ(std::get<long long>(go::atoi("0404")), 404);
  EXPECT_EQ(std::get<long long>(go::atoi("-404")), -404);
  EXPECT_EQ(std::get<std::string>(go::atoi("4o4")), "strconv.Atoi: parsing \"4o4\": invalid syntax");
  EXPECT_EQ(std::get<std::string>(go::atoi("")), "strconv.Atoi: parsing \"\": invalid syntax");
}

// net.SplitHostPort (validateHostname).
TEST(GoRules, SplitHostPort) {
  std::string port;
  EXPECT_TRUE(go::split_host_port("tv.example.com:443", &port));
  EXPECT_EQ(port, "443");
  EXPECT_TRUE(go::split_host_port("${DOMAIN:-x.example}", &port));
  EXPECT_EQ(port, "-x.example}");
  EXPECT_FALSE(go::split_host_port("tv.example.com", &port));
  EXPECT_FALSE(go::split_host_port("::1", &port));  // too many colons
}

// regexp.Compile in Go >= 1.22 takes (?<name>); Debian's RE2 needs (?P<name>).
TEST(GoRules, NamedGroupsTranslatedForRe2) {
  EXPECT_EQ(go::to_re2_syntax("^/(?<v>[0-9]+)/"), "^/(?P<v>[0-9]+)/");
  EXPECT_EQ(go::to_re2_syntax(R"(\(?<a>)"), R"(\(?<a>)");  // escaped paren: literal
  EXPECT_EQ(go::to_re2_syntax("[(?<a>]"), "[(?<a>]");      // inside a class: literal
  EXPECT_EQ(go::to_re2_syntax("(?<=x)"), "(?<=x)");        // lookbehind: refused by both
}

// validateHostname: the ':' of a shell default is what SplitHostPort takes
// as a port; the finding must name the variable, not tell to remove a port.
TEST(ConfigLoad, ShellDefaultIsAVariableNotAPort) {
  Report report = load_text(
      "ingress:\n  - hostname: ${DOMAIN:-x.example}\n    service: http://localhost:8080\n"
      "  - service: http_status:404\n");
  const Finding* f = find(report, "hostname-with-port");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("unexpanded variable ${DOMAIN:-x.example}"), std::string::npos) << f->message;
  EXPECT_EQ(f->fix.find("remove"), std::string::npos) << f->fix;
  EXPECT_NE(f->fix.find("envsubst does not"), std::string::npos) << f->fix;
}

// Rule.Matches -> Regexp.MatchString: '/api/*' repeats the '/', unanchored.
TEST(ConfigLoad, GlobPathFixIsAnAnchoredPrefix) {
  Report report = load_text(
      "ingress:\n  - hostname: tv.example.com\n    path: /api/*\n    service: http://localhost:3000\n"
      "  - service: http_status:404\n");
  const Finding* f = find(report, "path-glob");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->fix, "path: ^/api(/|$)");
  EXPECT_FALSE(report.has("path-unanchored"));
}

// FindMatchingRule: the first of two identical rules always wins.
TEST(ConfigLoad, ExactDuplicateRuleIsDeleted) {
  Report report = load_text(
      "ingress:\n  - hostname: a.example.com\n    service: http://localhost:1\n"
      "  - hostname: a.example.com\n    service: http://localhost:1\n"
      "  - service: http_status:404\n");
  const Finding* f = find(report, "rule-duplicate");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->fix, "delete rule #2");
  EXPECT_FALSE(report.has("rule-shadowed"));
}

// yaml.v3 decoder.merge: keys written in place win over the merged map.
TEST(ConfigLoad, MergeKeysApplyUnderExplicitKeys) {
  Report report = load_text(
      "x: &d\n  bastionMode: true\n  connectTimeout: 5s\n"
      "originRequest:\n  <<: *d\n  bastionMode: false\n"
      "ingress:\n  - hostname: a.example.com\n    service: not-a-url\n  - service: http_status:404\n");
  EXPECT_TRUE(report.has("invalid-service"));  // bastionMode false wins: the service is validated
  EXPECT_FALSE(report.has("unknown-key"));
  Report merged = load_text(
      "x: &d\n  bastionMode: true\noriginRequest:\n  <<: *d\n"
      "ingress:\n  - hostname: a.example.com\n    service: not-a-url\n  - service: http_status:404\n");
  EXPECT_FALSE(merged.has("invalid-service"));  // bastionMode from the merge: not validated
}

// yaml.v3 decoder.mapping: duplicate keys refused even with equal values.
TEST(ConfigLoad, DuplicateKeysRefused) {
  Report report = load_text("tunnel: a\ntunnel: a\ningress:\n  - service: http_status:404\n");
  const Finding* f = find(report, "duplicate-key");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("mapping key \"tunnel\" already defined at line 1"), std::string::npos) << f->message;
}

// The hidden flag `ui` is never advised to become `url` (validateIngressCommand
// then refuses the file), while a real near miss still is.
TEST(ConfigLoad, UiIsNeverRenamedToUrl) {
  Report report = load_text("ui: true\nuri: x\nno-autoupdat: true\ningress:\n  - service: http_status:404\n");
  for (const auto& f : report.findings()) EXPECT_EQ(f.fix.find("'url'"), std::string::npos) << f.fix;
  EXPECT_TRUE(report.has("unknown-key"));  // no-autoupdat -> no-autoupdate
}

// Placeholders found as cloudflared would read them literally.
TEST(ConfigLoad, PlaceholdersNamed) {
  EXPECT_EQ(placeholders("${A}.${B:-c}"), (std::vector<std::string>{"${A}", "${B:-c}"}));
  EXPECT_EQ(placeholders("$HOST:80"), (std::vector<std::string>{"$HOST"}));
  EXPECT_EQ(placeholders("{{ .Values.host }}"), (std::vector<std::string>{"{{ .Values.host }}"}));
  EXPECT_TRUE(placeholders("^/api$").empty());
}

// yaml.v3 refuses alias expansion beyond a ratio ("excessive aliasing");
// the loader stops instead of walking an exponential tree.
TEST(ConfigLoad, ExcessiveAliasingRefused) {
  std::string yaml = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'h'; ++c, ++prev)
    yaml += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  yaml += "ingress:\n  - service: http_status:404\n";
  Report report = load_text(yaml);
  const Finding* f = find(report, "config-yaml-error");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->message.find("excessive aliasing"), std::string::npos) << f->message;
}
