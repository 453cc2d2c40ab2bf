#include "app/options.hpp"

#include <algorithm>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace dots::app {
namespace {

using args = std::vector<std::string>;
using env_map = std::map<std::string, std::string>;

/// parse_options over a fake environment that holds exactly `env`.
domain::result<options> parse(const args& a, const env_map& env = {}) {
  return parse_options(a, [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

/// The message of the error `a` (with `env`) must give; "" when it parsed.
std::string error_of(const args& a, const env_map& env = {}) {
  auto o = parse(a, env);
  if (o)
    return "";
  EXPECT_EQ(o.error().kind, domain::error_kind::invalid);
  EXPECT_EQ(o.error().code, "invalid_option");
  return o.error().message;
}

/// One option, its variable, a valid value for it, a check that the value
/// landed, and another valid value (different from both the value and the
/// default).
struct option_case {
  std::string name;
  std::string env;
  std::string value;
  std::function<void(const options&)> check;
  std::string other;
};

/// Every option that takes a value, written out by hand (not read from the
/// parser) so that a renamed option or variable fails here.
std::vector<option_case> every_option() {
  return {
      {"listen", "DOTS_LISTEN", "0.0.0.0:9000",
       [](const options& o) {
         EXPECT_EQ(o.listen_host, "0.0.0.0");
         EXPECT_EQ(o.listen_port, 9000);
       },
       "[::1]:7000"},
      {"db", "DOTS_DB", "/tmp/elsewhere/x.db",
       [](const options& o) { EXPECT_EQ(o.db, "/tmp/elsewhere/x.db"); },
       "postgresql://dots@127.0.0.1:5432/dots"},
      {"threads", "DOTS_THREADS", "4",
       [](const options& o) { EXPECT_EQ(o.threads, 4u); }, "7"},
      {"actor-threads", "DOTS_ACTOR_THREADS", "3",
       [](const options& o) { EXPECT_EQ(o.actor_threads, 3u); }, "1"},
      {"log-level", "DOTS_LOG_LEVEL", "debug",
       [](const options& o) { EXPECT_EQ(o.log_level, log::level::debug); },
       "warn"},
      {"web-dir", "DOTS_WEB_DIR", "/srv/dots/web",
       [](const options& o) { EXPECT_EQ(o.web_dir, "/srv/dots/web"); },
       "/opt/web"},
      {"keepalive-seconds", "DOTS_KEEPALIVE_SECONDS", "5",
       [](const options& o) { EXPECT_EQ(o.keepalive_seconds, 5u); }, "60"},
      {"event-retention", "DOTS_EVENT_RETENTION", "500",
       [](const options& o) { EXPECT_EQ(o.event_retention, 500); }, "77"},
      {"max-streams", "DOTS_MAX_STREAMS", "1234",
       [](const options& o) { EXPECT_EQ(o.max_streams, 1234u); }, "99"},
      {"stream-queue-frames", "DOTS_STREAM_QUEUE_FRAMES", "32",
       [](const options& o) { EXPECT_EQ(o.stream_queue_frames, 32u); }, "1000"},
      {"stream-queue-bytes", "DOTS_STREAM_QUEUE_BYTES", "65536",
       [](const options& o) { EXPECT_EQ(o.stream_queue_bytes, 65536u); },
       "4096"},
      {"stream-write-timeout", "DOTS_STREAM_WRITE_TIMEOUT", "5",
       [](const options& o) { EXPECT_EQ(o.stream_write_timeout_seconds, 5u); },
       "120"},
      {"login-limit", "DOTS_LOGIN_LIMIT", "3",
       [](const options& o) { EXPECT_EQ(o.login_limit, 3); }, "50"},
      {"hash-threads", "DOTS_HASH_THREADS", "2",
       [](const options& o) { EXPECT_EQ(o.hash_threads, 2u); }, "1"},
      {"hash-queue", "DOTS_HASH_QUEUE", "0",
       [](const options& o) { EXPECT_EQ(o.hash_queue, 0u); }, "500"},
      {"request-timeout", "DOTS_REQUEST_TIMEOUT", "7",
       [](const options& o) { EXPECT_EQ(o.request_timeout_seconds, 7u); },
       "90"},
      {"db-connect-timeout", "DOTS_DB_CONNECT_TIMEOUT", "9",
       [](const options& o) { EXPECT_EQ(o.db_connect_timeout_seconds, 9u); },
       "30"},
      {"db-statement-timeout", "DOTS_DB_STATEMENT_TIMEOUT", "2500",
       [](const options& o) { EXPECT_EQ(o.db_statement_timeout_ms, 2500u); },
       "100"},
      {"event-poll", "DOTS_EVENT_POLL", "250",
       [](const options& o) { EXPECT_EQ(o.event_poll_ms, 250u); }, "60000"},
      {"trusted-proxies", "DOTS_TRUSTED_PROXIES", "127.0.0.1, ::1",
       [](const options& o) {
         EXPECT_EQ(o.trusted_proxies,
                   (std::vector<std::string>{"127.0.0.1", "::1"}));
       },
       "10.0.0.1"},
      {"cors-origins", "DOTS_CORS_ORIGINS",
       "https://App.example.com, http://127.0.0.2:5173",
       [](const options& o) {
         EXPECT_EQ(o.cors_origins,
                   (std::vector<std::string>{"https://app.example.com",
                                             "http://127.0.0.2:5173"}));
       },
       "*"},
  };
}

/// One option's entry in --help: its argument and its text, joined again
/// where --help wrapped it.
struct help_entry {
  std::string arg;
  std::string text;
};

/// The entries of every option that takes a value, by name.
std::map<std::string, help_entry> help_entries() {
  const auto text = usage();
  std::map<std::string, help_entry> entries;
  std::size_t pos = 0;
  while ((pos = text.find("\n  --", pos)) != std::string::npos) {
    pos += 5;
    const auto head = text.substr(pos, text.find('\n', pos) - pos);
    const auto space = head.find(' ');
    if (space == std::string::npos)
      continue; // a flag such as --version
    const auto body_at = pos + head.size() + 1;
    auto body_end = text.find("\n  ", body_at);
    while (body_end != std::string::npos && text[body_end + 3] == ' ')
      body_end = text.find("\n  ", body_end + 1);
    std::string body;
    for (char c : text.substr(body_at, body_end - body_at))
      if (c != '\n' && !(c == ' ' && (body.empty() || body.back() == ' ')))
        body += c;
    entries[head.substr(0, space)] = {head.substr(space + 1), body};
  }
  return entries;
}

/// What --help says an option's default is: the text after "(default: ".
std::string shown_default(const help_entry& e) {
  const auto at = e.text.find("(default: ");
  if (at == std::string::npos)
    return "";
  const auto from = at + 10;
  return e.text.substr(from, e.text.find_first_of(";)", from) - from);
}

// -- defaults -----------------------------------------------------------------

TEST(AppOptions, Defaults) {
  auto o = parse({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o.value().listen_host, "127.0.0.1");
  EXPECT_EQ(o.value().listen_port, 8000);
  EXPECT_EQ(o.value().db, "./data/dots.db");
  EXPECT_EQ(o.value().threads, 0u);
  EXPECT_EQ(o.value().actor_threads, 0u);
  EXPECT_EQ(o.value().log_level, log::level::info);
  EXPECT_EQ(o.value().web_dir, "");
  EXPECT_EQ(o.value().keepalive_seconds, 15u);
  EXPECT_EQ(o.value().event_retention, 10000);
  EXPECT_EQ(o.value().max_streams, 0u);
  EXPECT_EQ(o.value().stream_queue_frames, 256u);
  EXPECT_EQ(o.value().stream_queue_bytes, 256u * 1024u);
  EXPECT_EQ(o.value().stream_write_timeout_seconds, 30u);
  EXPECT_EQ(o.value().login_limit, 10);
  EXPECT_EQ(o.value().hash_threads, 0u);
  EXPECT_EQ(o.value().hash_queue, 64u);
  EXPECT_EQ(o.value().request_timeout_seconds, 30u);
  EXPECT_FALSE(o.value().help);
  EXPECT_FALSE(o.value().version);
}

TEST(AppOptions, UnrelatedAndEmptyEnvironmentIsIgnored) {
  auto o = parse({}, {{"DOTS_THREADS", ""}, {"THREADS", "9"}, {"PATH", "/"}});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o.value().threads, 0u);
}

// -- every option, three ways -------------------------------------------------

TEST(AppOptions, EveryOptionAsSeparateArgument) {
  for (const auto& c : every_option()) {
    SCOPED_TRACE("--" + c.name + " " + c.value);
    auto o = parse({"--" + c.name, c.value});
    ASSERT_TRUE(o) << o.error().message;
    c.check(o.value());
  }
}

TEST(AppOptions, EveryOptionWithEquals) {
  for (const auto& c : every_option()) {
    SCOPED_TRACE("--" + c.name + "=" + c.value);
    auto o = parse({"--" + c.name + "=" + c.value});
    ASSERT_TRUE(o) << o.error().message;
    c.check(o.value());
  }
}

TEST(AppOptions, EveryOptionFromEnvironment) {
  for (const auto& c : every_option()) {
    SCOPED_TRACE(c.env + "=" + c.value);
    auto o = parse({}, {{c.env, c.value}});
    ASSERT_TRUE(o) << o.error().message;
    c.check(o.value());
  }
}

TEST(AppOptions, TheTableAboveIsEveryOptionOfHelp) {
  // So that the tests over every_option() cover every option there is, and
  // each one's variable is the one --help names.
  const auto entries = help_entries();
  std::set<std::string> in_help;
  for (const auto& [name, entry] : entries)
    in_help.insert(name);
  std::set<std::string> in_table;
  for (const auto& c : every_option()) {
    in_table.insert(c.name);
    auto e = entries.find(c.name);
    ASSERT_NE(e, entries.end()) << c.name;
    EXPECT_NE(e->second.text.find("[" + c.env + "]"), std::string::npos)
        << c.name << ": " << e->second.text;
  }
  EXPECT_EQ(in_table, in_help);
}

TEST(AppOptions, EveryOtherValueParsesToo) {
  for (const auto& c : every_option()) {
    SCOPED_TRACE("--" + c.name + " " + c.other);
    auto other = parse({"--" + c.name, c.other});
    ASSERT_TRUE(other) << other.error().message;
    auto value = parse({"--" + c.name, c.value});
    ASSERT_TRUE(value) << value.error().message;
    auto defaults = parse({});
    ASSERT_TRUE(defaults) << defaults.error().message;
    EXPECT_FALSE(other.value() == value.value());
    EXPECT_FALSE(other.value() == defaults.value());
  }
}

TEST(AppOptions, CommandLineBeatsEnvironmentForEveryOption) {
  for (const auto& c : every_option()) {
    SCOPED_TRACE(c.name);
    auto both = parse({"--" + c.name, c.value}, {{c.env, c.other}});
    ASSERT_TRUE(both) << both.error().message;
    c.check(both.value());
    auto with_equals =
        parse({"--" + c.name + "=" + c.value}, {{c.env, c.other}});
    ASSERT_TRUE(with_equals) << with_equals.error().message;
    c.check(with_equals.value());
  }
}

TEST(AppOptions, EveryVariableSetIsCheckedEvenWhenTheCommandLineOverridesIt) {
  const auto message = error_of({"--threads", "3"}, {{"DOTS_THREADS", "many"}});
  EXPECT_NE(message.find("DOTS_THREADS"), std::string::npos) << message;
  EXPECT_NE(message.find("many"), std::string::npos) << message;
}

TEST(AppOptions, AllOptionsTogether) {
  args a;
  for (const auto& c : every_option()) {
    a.push_back("--" + c.name);
    a.push_back(c.value);
  }
  auto o = parse(a);
  ASSERT_TRUE(o) << o.error().message;
  for (const auto& c : every_option()) {
    SCOPED_TRACE(c.name);
    c.check(o.value());
  }
}

TEST(AppOptions, CommandLineBeatsEnvironment) {
  env_map env{{"DOTS_THREADS", "2"}, {"DOTS_DB", "env.db"}};
  auto o = parse({"--threads", "3"}, env);
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o.value().threads, 3u);
  // What the command line leaves out still comes from the environment.
  EXPECT_EQ(o.value().db, "env.db");
  auto p = parse({"--db=cli.db"}, env);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p.value().db, "cli.db");
  EXPECT_EQ(p.value().threads, 2u);
}

TEST(AppOptions, LastOccurrenceWins) {
  auto o = parse({"--threads", "2", "--threads=5"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o.value().threads, 5u);
}

TEST(AppOptions, ValueAfterEqualsIsTakenWhole) {
  auto o = parse({"--db=a=b.db"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o.value().db, "a=b.db");
}

TEST(AppOptions, ListenForms) {
  auto v6 = parse({"--listen", "[::1]:8080"});
  ASSERT_TRUE(v6) << v6.error().message;
  EXPECT_EQ(v6.value().listen_host, "::1");
  EXPECT_EQ(v6.value().listen_port, 8080);
  auto any_port = parse({"--listen=localhost:0"});
  ASSERT_TRUE(any_port) << any_port.error().message;
  EXPECT_EQ(any_port.value().listen_host, "localhost");
  EXPECT_EQ(any_port.value().listen_port, 0);
  auto top = parse({"--listen=h:65535"});
  ASSERT_TRUE(top) << top.error().message;
  EXPECT_EQ(top.value().listen_port, 65535);
}

TEST(AppOptions, RangeBoundsAreInclusive) {
  auto low =
      parse({"--threads=1", "--keepalive-seconds=1", "--event-retention=1",
             "--max-streams=1", "--stream-queue-frames=1",
             "--stream-queue-bytes=1024", "--login-limit=1",
             "--request-timeout=1", "--stream-write-timeout=1"});
  ASSERT_TRUE(low) << low.error().message;
  EXPECT_EQ(low.value().stream_queue_bytes, 1024u);
  auto high = parse({"--threads=256", "--keepalive-seconds=3600",
                     "--event-retention=10000000", "--request-timeout=3600",
                     "--stream-queue-bytes=1073741824",
                     "--stream-write-timeout=86400"});
  ASSERT_TRUE(high) << high.error().message;
  EXPECT_EQ(high.value().threads, 256u);
  EXPECT_EQ(high.value().event_retention, 10'000'000);
  EXPECT_EQ(high.value().stream_queue_bytes, std::size_t{1} << 30);
}

// -- errors -------------------------------------------------------------------

TEST(AppOptions, OutOfRangeNamesTheOption) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"threads", "0"},
      {"threads", "257"},
      {"keepalive-seconds", "0"},
      {"keepalive-seconds", "3601"},
      {"event-retention", "0"},
      {"event-retention", "10000001"},
      {"max-streams", "0"},
      {"stream-queue-frames", "0"},
      {"stream-queue-bytes", "1023"},
      {"stream-write-timeout", "0"},
      {"stream-write-timeout", "86401"},
      {"login-limit", "0"},
      {"request-timeout", "3601"},
      {"threads", "99999999999999999999999"},
      {"hash-threads", "0"},
      {"hash-threads", "257"},
      {"hash-queue", "10001"},
      {"hash-queue", "-1"},
  };
  for (const auto& [name, value] : cases) {
    SCOPED_TRACE(name + "=" + value);
    auto message = error_of({"--" + name, value});
    EXPECT_NE(message.find("--" + name), std::string::npos) << message;
    EXPECT_NE(message.find(value), std::string::npos) << message;
  }
}

TEST(AppOptions, EachKindOfBadInputNamesTheOptionOrVariable) {
  struct bad {
    args a;
    env_map env;
    std::vector<std::string> named; ///< all in the message
  };
  const std::vector<bad> cases{
      // Unknown option, stray word, missing value.
      {{"--colour", "blue"}, {}, {"unknown option", "--colour"}},
      {{"--threads", "2", "now"}, {}, {"unexpected argument", "now"}},
      {{"--max-streams"}, {}, {"--max-streams", "needs a value", "N"}},
      {{"--keepalive-seconds"}, {}, {"--keepalive-seconds", "SECONDS"}},
      // Not a number.
      {{"--event-poll", "soon"}, {}, {"--event-poll", "whole number", "soon"}},
      {{}, {{"DOTS_EVENT_POLL", "soon"}}, {"DOTS_EVENT_POLL", "soon"}},
      // Out of range: a port past 65535, negative counts, too large.
      {{"--listen", "127.0.0.1:70000"}, {}, {"--listen", "70000", "65535"}},
      {{}, {{"DOTS_LISTEN", "127.0.0.1:70000"}}, {"DOTS_LISTEN", "70000"}},
      {{"--max-streams", "-5"}, {}, {"--max-streams", "-5", "from 1"}},
      {{"--event-retention=-1"}, {}, {"--event-retention", "-1"}},
      {{}, {{"DOTS_LOGIN_LIMIT", "-3"}}, {"DOTS_LOGIN_LIMIT", "-3"}},
      {{"--actor-threads", "0"}, {}, {"--actor-threads", "from 1 to 256"}},
      {{}, {{"DOTS_ACTOR_THREADS", "257"}}, {"DOTS_ACTOR_THREADS", "257"}},
      {{"--hash-threads", "two"}, {}, {"--hash-threads", "from 1 to 256"}},
      {{}, {{"DOTS_HASH_THREADS", "0"}}, {"DOTS_HASH_THREADS", "0"}},
      {{"--hash-queue", "lots"}, {}, {"--hash-queue", "from 0 to 10000"}},
      {{}, {{"DOTS_HASH_QUEUE", "1e3"}}, {"DOTS_HASH_QUEUE", "1e3"}},
      {{"--db-statement-timeout", "600001"},
       {},
       {"--db-statement-timeout", "600001", "600000"}},
      // A flag given a value.
      {{"--version=yes"}, {}, {"--version", "no value"}},
  };
  for (const auto& c : cases) {
    auto message = error_of(c.a, c.env);
    for (const auto& part : c.named)
      EXPECT_NE(message.find(part), std::string::npos)
          << "'" << part << "' is not in: " << message;
  }
}

TEST(AppOptions, NonNumericNamesTheOption) {
  for (const std::string value : {"abc", "12x", "-1", "1.5", " 5", "", "+3"}) {
    SCOPED_TRACE("'" + value + "'");
    auto message = error_of({"--threads=" + value});
    EXPECT_NE(message.find("--threads"), std::string::npos) << message;
    EXPECT_NE(message.find("whole number"), std::string::npos) << message;
  }
}

TEST(AppOptions, BadListenNamesTheOption) {
  for (const std::string value :
       {"8000", ":8000", "host:", "host:65536", "host:http", "host:-1"}) {
    SCOPED_TRACE(value);
    auto message = error_of({"--listen", value});
    EXPECT_NE(message.find("--listen"), std::string::npos) << message;
  }
}

TEST(AppOptions, BadLogLevelNamesTheOption) {
  for (const std::string value : {"verbose", "INFO", "", "warning"}) {
    SCOPED_TRACE(value);
    auto message = error_of({"--log-level=" + value});
    EXPECT_NE(message.find("--log-level"), std::string::npos) << message;
    EXPECT_NE(message.find("debug"), std::string::npos) << message;
  }
}

TEST(AppOptions, EmptyDatabaseNameIsRefused) {
  auto message = error_of({"--db="});
  EXPECT_NE(message.find("--db"), std::string::npos) << message;
}

TEST(AppOptions, BadEnvironmentValueNamesTheVariable) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"DOTS_THREADS", "many"},
      {"DOTS_LISTEN", "nowhere"},
      {"DOTS_LOG_LEVEL", "loud"},
      {"DOTS_STREAM_QUEUE_BYTES", "10"},
  };
  for (const auto& [var, value] : cases) {
    SCOPED_TRACE(var);
    auto message = error_of({}, {{var, value}});
    EXPECT_NE(message.find(var), std::string::npos) << message;
  }
}

TEST(AppOptions, UnknownOptionIsNamed) {
  auto message = error_of({"--threads", "2", "--colour", "blue"});
  EXPECT_NE(message.find("--colour"), std::string::npos) << message;
  auto with_value = error_of({"--nope=1"});
  EXPECT_NE(with_value.find("--nope"), std::string::npos) << with_value;
  EXPECT_EQ(with_value.find("=1"), std::string::npos) << with_value;
}

TEST(AppOptions, StrayArgumentIsNamed) {
  auto message = error_of({"serve"});
  EXPECT_NE(message.find("serve"), std::string::npos) << message;
  auto dash = error_of({"-t", "4"});
  EXPECT_NE(dash.find("-t"), std::string::npos) << dash;
}

TEST(AppOptions, MissingValueNamesTheOption) {
  for (const auto& c : every_option()) {
    SCOPED_TRACE(c.name);
    auto message = error_of({"--" + c.name});
    EXPECT_NE(message.find("--" + c.name), std::string::npos) << message;
    EXPECT_NE(message.find("value"), std::string::npos) << message;
  }
}

// -- flags --------------------------------------------------------------------

TEST(AppOptions, HelpAndVersionFlags) {
  for (const std::string flag : {"--help", "-h"}) {
    auto o = parse({flag});
    ASSERT_TRUE(o) << o.error().message;
    EXPECT_TRUE(o.value().help);
    EXPECT_FALSE(o.value().version);
  }
  auto v = parse({"--version"});
  ASSERT_TRUE(v) << v.error().message;
  EXPECT_TRUE(v.value().version);
  EXPECT_FALSE(v.value().help);
  auto both = parse({"--threads", "2", "--version", "--help"});
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_TRUE(both.value().help);
  EXPECT_TRUE(both.value().version);
  EXPECT_EQ(both.value().threads, 2u);
}

// -- usage --------------------------------------------------------------------

TEST(AppOptions, DatabaseLocations) {
  for (std::string value :
       {"postgresql://dots@127.0.0.1:5432/dots", "postgres://db.example/dots",
        "sqlite:/var/lib/dots/dots.db", "plain.db"}) {
    auto o = parse({"--db", value});
    ASSERT_TRUE(o) << value << ": " << o.error().message;
    EXPECT_EQ(o.value().db, value);
  }
  EXPECT_NE(error_of({"--db", "sqlite:"}).find("--db"), std::string::npos);
}

TEST(AppOptions, NewDefaultsAreTheDocumentedOnes) {
  auto o = parse({});
  ASSERT_TRUE(o);
  EXPECT_EQ(o.value().db_connect_timeout_seconds, 5u);
  EXPECT_EQ(o.value().db_statement_timeout_ms, 5000u);
  EXPECT_EQ(o.value().event_poll_ms, 1000u);
  EXPECT_TRUE(o.value().trusted_proxies.empty());
}

TEST(AppOptions, TrustedProxiesMustBeAddresses) {
  const auto message = error_of({"--trusted-proxies", "127.0.0.1,proxy.lan"});
  EXPECT_NE(message.find("--trusted-proxies"), std::string::npos) << message;
  EXPECT_NE(message.find("proxy.lan"), std::string::npos) << message;
}

TEST(AppOptions, CorsOriginsAreCheckedAtStart) {
  // A mistake in the list is a start error naming the option (or the
  // variable) and the entry, never a server that silently grants nothing.
  const std::vector<std::pair<std::string, std::string>> cases{
      {"https://app.example.com/", "no path"},
      {"app.example.com", "not an absolute URL"},
      {"ftp://app.example.com", "http or https"},
      {"https://app.example.com,,*", "empty entry"},
      {"https://*.example.com", "letters, digits"},
  };
  for (const auto& [value, reason] : cases) {
    SCOPED_TRACE(value);
    const auto message = error_of({"--cors-origins", value});
    EXPECT_TRUE(message.starts_with("--cors-origins: ")) << message;
    EXPECT_NE(message.find(reason), std::string::npos) << message;
    const auto from_env = error_of({}, {{"DOTS_CORS_ORIGINS", value}});
    EXPECT_TRUE(from_env.starts_with("DOTS_CORS_ORIGINS: ")) << from_env;
  }
  const auto named = error_of({"--cors-origins", "https://a.example/"});
  EXPECT_NE(named.find("'https://a.example/'"), std::string::npos) << named;
}

TEST(AppOptions, CorsOriginsTakeStarAndAnEmptyList) {
  auto star = parse({"--cors-origins", "*"});
  ASSERT_TRUE(star) << star.error().message;
  EXPECT_EQ(star.value().cors_origins, std::vector<std::string>{"*"});
  auto both = parse({"--cors-origins=*,http://localhost:5173"});
  ASSERT_TRUE(both) << both.error().message;
  EXPECT_EQ(both.value().cors_origins,
            (std::vector<std::string>{"*", "http://localhost:5173"}));
  // Empty on the command line: none, over whatever the environment says.
  auto none =
      parse({"--cors-origins="}, {{"DOTS_CORS_ORIGINS", "https://a.example"}});
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none.value().cors_origins.empty());
}

TEST(AppOptions, DefaultsAreWhatHelpPrints) {
  auto defaults = parse({});
  ASSERT_TRUE(defaults) << defaults.error().message;
  const auto& d = defaults.value();
  const auto entries = help_entries();
  // Defaults --help prints in words: what 0 or empty means to the server.
  struct in_words {
    std::string text;
    std::function<bool(const options&)> holds;
  };
  const std::map<std::string, in_words> worded{
      {"threads",
       {"one per core",
        [](const options& o) {
          return o.threads == 0;
        }}},
      {"actor-threads",
       {"the core count, at most 2",
        [](const options& o) {
          return o.actor_threads == 0;
        }}},
      {"hash-threads",
       {"half the cores, at least 1",
        [](const options& o) {
          return o.hash_threads == 0;
        }}},
      {"max-streams",
       {"the descriptor limit minus 500",
        [](const options& o) {
          return o.max_streams == 0;
        }}},
      {"web-dir",
       {"../share/dots/web next to the executable",
        [](const options& o) {
          return o.web_dir.empty();
        }}},
      {"trusted-proxies",
       {"none",
        [](const options& o) {
          return o.trusted_proxies.empty();
        }}},
      {"cors-origins",
       {"none",
        [](const options& o) {
          return o.cors_origins.empty();
        }}},
  };
  for (const auto& [name, words] : worded) {
    SCOPED_TRACE("--" + name);
    ASSERT_TRUE(entries.count(name));
    EXPECT_EQ(shown_default(entries.at(name)), words.text);
    EXPECT_TRUE(words.holds(d));
  }
  // Every other default, given back as a value, changes nothing.
  int as_values = 0;
  for (const auto& [name, entry] : entries) {
    if (worded.count(name))
      continue;
    ++as_values;
    const auto shown = shown_default(entry);
    SCOPED_TRACE("--" + name + " " + shown);
    auto given = parse({"--" + name, shown});
    ASSERT_TRUE(given) << given.error().message;
    EXPECT_TRUE(given.value() == d);
  }
  EXPECT_EQ(as_values + worded.size(), every_option().size());
}

TEST(AppOptions, RangesAreWhatHelpPrints) {
  // "from A to B": A and B are taken, one step past either is refused.
  int ranges = 0;
  for (const auto& [name, entry] : help_entries()) {
    const auto at = entry.text.find("; from ");
    if (at == std::string::npos)
      continue;
    ++ranges;
    std::istringstream in{entry.text.substr(at + 7)};
    long long low = 0;
    long long high = 0;
    std::string to;
    in >> low >> to >> high;
    ASSERT_EQ(to, "to") << entry.text;
    SCOPED_TRACE("--" + name + " from " + std::to_string(low) + " to " +
                 std::to_string(high));
    for (auto inside : {low, high}) {
      auto o = parse({"--" + name, std::to_string(inside)});
      EXPECT_TRUE(o) << o.error().message;
    }
    for (auto outside : {low - 1, high + 1}) {
      auto message = error_of({"--" + name, std::to_string(outside)});
      EXPECT_NE(message.find("--" + name), std::string::npos) << message;
    }
  }
  EXPECT_EQ(ranges, 15); // every option that takes a number
}

TEST(AppOptions, EmptyValueAfterEqualsIsTheOptionsToJudge) {
  // An empty --web-dir is the default; an empty number is no number.
  auto web = parse({"--web-dir="});
  ASSERT_TRUE(web) << web.error().message;
  EXPECT_EQ(web.value().web_dir, "");
  auto none = parse({"--trusted-proxies="}, {{"DOTS_TRUSTED_PROXIES", "::1"}});
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none.value().trusted_proxies.empty());
  const auto message = error_of({"--request-timeout="});
  EXPECT_NE(message.find("--request-timeout"), std::string::npos) << message;
  EXPECT_NE(message.find("whole number"), std::string::npos) << message;
}

TEST(AppOptions, UsageListsEveryOptionAndVariable) {
  const auto text = usage();
  EXPECT_TRUE(text.starts_with("Usage: dots-server")) << text;
  for (const auto& c : every_option()) {
    EXPECT_NE(text.find("--" + c.name + " "), std::string::npos) << c.name;
    EXPECT_NE(text.find("[" + c.env + "]"), std::string::npos) << c.env;
  }
  EXPECT_NE(text.find("--help"), std::string::npos);
  EXPECT_NE(text.find("-h,"), std::string::npos);
  EXPECT_NE(text.find("--version"), std::string::npos);
}

TEST(AppOptions, UsageNamesOnlyOptionsThatParse) {
  // Every `--name ARG` the help shows is an option the parser takes.
  const auto text = usage();
  std::size_t pos = 0;
  int seen = 0;
  while ((pos = text.find("\n  --", pos)) != std::string::npos) {
    pos += 5;
    auto line = text.substr(pos, text.find('\n', pos) - pos);
    auto space = line.find(' ');
    if (space == std::string::npos)
      continue; // a flag such as --version
    auto name = line.substr(0, space);
    ++seen;
    auto message = error_of({"--" + name});
    EXPECT_EQ(message.find("unknown option"), std::string::npos) << name;
  }
  EXPECT_EQ(seen, static_cast<int>(every_option().size()));
}

// -- the README's table
// --------------------------------------------------------

/// The `| `--name ARG` | default |` rows of README.md's options table.
std::map<std::string, std::string> readme_options() {
  std::ifstream in{std::string{DOTS_SOURCE_DIR} + "/README.md"};
  EXPECT_TRUE(in) << "cannot read README.md";
  std::map<std::string, std::string> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| `--"))
      continue;
    // Markdown escapes the | of "FILE|URI" inside the table.
    for (auto at = line.find("\\|"); at != std::string::npos;
         at = line.find("\\|", at))
      line.erase(at, 1);
    const auto end = line.find("` |", 3);
    const auto option = line.substr(3, end - 3);
    const auto rest = line.substr(end + 4);
    rows[option] = rest.substr(0, rest.find(" |"));
  }
  return rows;
}

TEST(AppOptions, TheReadmeTableListsExactlyTheOptionsOfHelp) {
  // --help and the README must not drift apart: same options, same
  // arguments, and the same defaults.
  const auto rows = readme_options();
  std::set<std::string> in_help;
  for (const auto& [name, entry] : help_entries()) {
    const auto option = "--" + name + " " + entry.arg;
    in_help.insert(option);
    auto row = rows.find(option);
    ASSERT_NE(row, rows.end()) << option << " is not in README.md's table";
    // The README writes values as code: `info`.
    std::string fallback;
    for (char c : row->second)
      if (c != '`')
        fallback += c;
    EXPECT_EQ(shown_default(entry), fallback)
        << option << ": README says " << fallback << ", --help says\n"
        << entry.text;
  }
  for (const auto& [option, fallback] : rows)
    EXPECT_TRUE(in_help.count(option)) << option << " is in README.md only";
  EXPECT_EQ(in_help.size(), rows.size());
}

} // namespace
} // namespace dots::app
