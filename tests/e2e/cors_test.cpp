// End-to-end tests of --cors-origins: the real dots-server binary on a
// loopback port, asked with the headers a browser sends from another
// origin (Origin, preflights), and checked for what the browser decides on:
// Access-Control-Allow-Origin, -Allow-Credentials and the preflight's
// answer. The browser itself is in web/tests/browser/cors.test.ts.

#include "support/e2e_helpers.hpp"
#include "support/http_client.hpp"
#include "support/server_process.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace std::chrono_literals;
using dots::test::board_body;
using dots::test::http;
using dots::test::http_json;
using dots::test::http_response;
using dots::test::server_process;
using dots::test::sse_client;
using dots::test::string_at;
using dots::test::temp_dir;

/// The page origin the tests list, and one they do not.
const std::string listed = "http://127.0.0.2:5173";
const std::string unlisted = "http://127.0.0.2:5174";
const std::string password = "correct horse battery";

/// One dots-server with `extra` options on a fresh database.
struct test_server {
  explicit test_server(std::vector<std::string> extra = {})
      : server{std::make_unique<server_process>(dir.path() / "dots.db",
                                                std::move(extra))} {}
  ~test_server() {
    if (::testing::Test::HasFailure())
      std::cerr << "--- server log ---\n" << server->log() << '\n';
  }
  test_server(const test_server&) = delete;
  test_server& operator=(const test_server&) = delete;

  std::string url(const std::string& path) const {
    return server->base_url() + path;
  }

  temp_dir dir;
  std::unique_ptr<server_process> server;
};

std::string header(const http_response& r, const std::string& lower_name) {
  auto it = r.headers.find(lower_name);
  return it == r.headers.end() ? std::string{} : it->second;
}

/// The access-control-* headers of a response (names in lower case).
std::map<std::string, std::string> cors_of(const http_response& r) {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : r.headers)
    if (name.starts_with("access-control-"))
      out[name] = value;
  return out;
}

/// A GET (or another method) sent from a page of `origin`.
http_response from(const std::string& origin, const std::string& method,
                   const std::string& url,
                   std::vector<std::string> headers = {}) {
  headers.push_back("Origin: " + origin);
  return http(method, url, {}, headers);
}

/// A browser's preflight from `origin` for `method` with `headers` (the
/// Access-Control-Request-Headers value; empty: none).
http_response preflight(const std::string& origin, const std::string& url,
                        const std::string& method,
                        const std::string& headers = {}) {
  std::vector<std::string> fields{"Origin: " + origin,
                                  "Access-Control-Request-Method: " + method};
  if (!headers.empty())
    fields.push_back("Access-Control-Request-Headers: " + headers);
  return http("OPTIONS", url, {}, fields);
}

/// Registers and logs in `name` from a page of `origin`; the token.
std::string sign_up(const test_server& s, const std::string& name) {
  const auto body =
      R"({"username":")" + name + R"(","password":")" + password + R"("})";
  const std::vector<std::string> headers{"Content-Type: application/json",
                                         "Origin: " + listed};
  auto reg = http("POST", s.url("/api/auth/register"), body, headers);
  EXPECT_EQ(reg.status, 201) << reg.body;
  auto login = http("POST", s.url("/api/auth/login"), body, headers);
  EXPECT_EQ(login.status, 200) << login.body;
  return string_at(login.json(), "token");
}

// -- without --cors-origins
// -----------------------------------------------------

TEST(E2eCors, WithoutTheOptionNoResponseCarriesACorsHeader) {
  test_server s;
  auto token = sign_up(s, "alice");
  ASSERT_FALSE(token.empty());
  const std::vector<http_response> answers{
      from(listed, "GET", s.url("/api/boards")),
      from(listed, "GET", s.url("/api/auth/me"),
           {"Authorization: Bearer " + token}),
      from(listed, "GET", s.url("/api/auth/me")),
      from(listed, "GET", s.url("/healthz")),
      preflight(listed, s.url("/api/boards"), "POST",
                "authorization, content-type"),
      preflight(listed, s.url("/sse/notifications/"), "GET", "last-event-id"),
  };
  for (const auto& r : answers) {
    EXPECT_TRUE(cors_of(r).empty()) << r.status;
    EXPECT_EQ(header(r, "vary"), "");
  }
  // OPTIONS itself is answered on the API and the stream: with Allow.
  EXPECT_EQ(answers[4].status, 204);
  EXPECT_EQ(header(answers[4], "allow"), "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(answers[5].status, 204);
  EXPECT_EQ(header(answers[5], "allow"), "GET, HEAD, OPTIONS");
  sse_client stream{s.url("/sse/notifications/"), {"Origin: " + listed}};
  ASSERT_TRUE(dots::test::eventually([&] { return !stream.retry().empty(); }));
  EXPECT_EQ(stream.header("access-control-allow-origin"), "");
  EXPECT_EQ(stream.header("vary"), "");
}

// -- a listed origin
// ------------------------------------------------------------

TEST(E2eCors, AListedOriginUsesTheApiWithABearerToken) {
  test_server s{{"--cors-origins", listed}};
  const auto token = sign_up(s, "alice");
  ASSERT_FALSE(token.empty());

  // The preflight of a Bearer-token JSON write.
  auto pre = preflight(listed, s.url("/api/boards"), "POST",
                       "authorization, content-type");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(header(pre, "allow"), "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(header(pre, "vary"), "Origin");
  EXPECT_EQ(cors_of(pre),
            (std::map<std::string, std::string>{
                {"access-control-allow-origin", listed},
                {"access-control-allow-credentials", "true"},
                {"access-control-allow-methods", "GET, HEAD, POST, OPTIONS"},
                {"access-control-allow-headers",
                 "Authorization, Content-Type, Last-Event-ID"},
                {"access-control-max-age", "600"},
                {"access-control-expose-headers",
                 "Allow, Location, Retry-After, WWW-Authenticate"}}));

  // The write itself: its Location is readable by the page.
  auto made = http("POST", s.url("/api/boards"),
                   boost::json::serialize(board_body("Cross")),
                   {"Content-Type: application/json",
                    "Authorization: Bearer " + token, "Origin: " + listed});
  EXPECT_EQ(made.status, 201) << made.body;
  EXPECT_EQ(header(made, "access-control-allow-origin"), listed);
  EXPECT_EQ(header(made, "access-control-allow-credentials"), "true");
  EXPECT_EQ(header(made, "vary"), "Origin");
  EXPECT_NE(header(made, "access-control-expose-headers").find("Location"),
            std::string::npos);
  EXPECT_TRUE(header(made, "location").starts_with("/api/boards/"));

  // A read with the token, and an error the page must be able to read.
  auto me = from(listed, "GET", s.url("/api/auth/me"),
                 {"Authorization: Bearer " + token});
  EXPECT_EQ(me.status, 200);
  EXPECT_EQ(header(me, "access-control-allow-origin"), listed);
  auto no_token = from(listed, "GET", s.url("/api/auth/me"));
  EXPECT_EQ(no_token.status, 401);
  EXPECT_EQ(header(no_token, "access-control-allow-origin"), listed);
  EXPECT_NE(header(no_token, "access-control-expose-headers")
                .find("WWW-Authenticate"),
            std::string::npos);

  // The origin is listed, not the whole site: health checks stay
  // same-origin.
  auto health = from(listed, "GET", s.url("/healthz"));
  EXPECT_EQ(health.status, 200);
  EXPECT_TRUE(cors_of(health).empty());
}

TEST(E2eCors, AListedOriginOpensTheStreamAndGetsEvents) {
  test_server s{{"--cors-origins", listed}};
  const auto token = sign_up(s, "alice");
  auto pre =
      preflight(listed, s.url("/sse/notifications/"), "GET", "last-event-id");
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(header(pre, "access-control-allow-origin"), listed);
  EXPECT_EQ(header(pre, "access-control-allow-headers"),
            "Authorization, Content-Type, Last-Event-ID");
  EXPECT_EQ(header(pre, "allow"), "GET, HEAD, OPTIONS");

  sse_client stream{s.url("/sse/notifications/"), {"Origin: " + listed}};
  ASSERT_TRUE(dots::test::eventually([&] { return !stream.retry().empty(); }));
  EXPECT_EQ(stream.status(), 200);
  EXPECT_EQ(stream.header("access-control-allow-origin"), listed);
  EXPECT_EQ(stream.header("access-control-allow-credentials"), "true");
  EXPECT_EQ(stream.header("vary"), "Origin");
  EXPECT_EQ(stream.header("content-type"), "text/event-stream");
  auto made =
      http_json("POST", s.url("/api/boards"), board_body("Live"), token);
  ASSERT_EQ(made.status, 201) << made.body;
  ASSERT_TRUE(stream.wait_events(1));
  EXPECT_EQ(stream.events().front().event, "newBoard");
}

// -- an origin that is not listed
// -------------------------------------------------

TEST(E2eCors, AnUnlistedOriginIsGrantedNothing) {
  test_server s{{"--cors-origins", listed}};
  const auto token = sign_up(s, "alice");
  for (const auto& origin :
       {unlisted, std::string{"https://127.0.0.2:5173"}, std::string{"null"}}) {
    SCOPED_TRACE(origin);
    // Preflights: the plain answer, which the browser then refuses.
    auto api = preflight(origin, s.url("/api/boards"), "POST",
                         "authorization, content-type");
    EXPECT_EQ(api.status, 204);
    EXPECT_EQ(header(api, "allow"), "GET, HEAD, POST, OPTIONS");
    EXPECT_TRUE(cors_of(api).empty());
    auto stream_pre =
        preflight(origin, s.url("/sse/notifications/"), "GET", "last-event-id");
    EXPECT_EQ(stream_pre.status, 204);
    EXPECT_TRUE(cors_of(stream_pre).empty());
    // Requests: served as before (the server is no firewall), but without
    // a grant the browser keeps the answer from the page.
    auto read = from(origin, "GET", s.url("/api/auth/me"),
                     {"Authorization: Bearer " + token});
    EXPECT_EQ(read.status, 200);
    EXPECT_TRUE(cors_of(read).empty());
    EXPECT_EQ(header(read, "vary"), "Origin");
    sse_client stream{s.url("/sse/notifications/"), {"Origin: " + origin}};
    ASSERT_TRUE(
        dots::test::eventually([&] { return !stream.retry().empty(); }));
    EXPECT_EQ(stream.header("access-control-allow-origin"), "");
    EXPECT_EQ(stream.header("access-control-allow-credentials"), "");
  }
}

// -- `*`: the public stream only
// ----------------------------------------------------

TEST(E2eCors, StarOpensTheStreamButNotTheApi) {
  test_server s{{"--cors-origins", "*"}};
  const auto token = sign_up(s, "alice");
  for (const auto& origin : {listed, unlisted}) {
    SCOPED_TRACE(origin);
    auto pre =
        preflight(origin, s.url("/sse/notifications/"), "GET", "last-event-id");
    EXPECT_EQ(pre.status, 204);
    EXPECT_EQ(header(pre, "access-control-allow-origin"), "*");
    EXPECT_EQ(header(pre, "access-control-allow-headers"),
              "Authorization, Content-Type, Last-Event-ID");
    EXPECT_EQ(header(pre, "access-control-allow-credentials"), "");
    sse_client stream{s.url("/sse/notifications/"), {"Origin: " + origin}};
    ASSERT_TRUE(
        dots::test::eventually([&] { return !stream.retry().empty(); }));
    EXPECT_EQ(stream.header("access-control-allow-origin"), "*");
    EXPECT_EQ(stream.header("access-control-allow-credentials"), "");

    // The API: nothing from `*`, neither on preflights nor on requests.
    auto api_pre = preflight(origin, s.url("/api/boards"), "POST",
                             "authorization, content-type");
    EXPECT_EQ(api_pre.status, 204);
    EXPECT_TRUE(cors_of(api_pre).empty());
    auto boards = from(origin, "GET", s.url("/api/boards"));
    EXPECT_EQ(boards.status, 200);
    EXPECT_TRUE(cors_of(boards).empty());
    auto me = from(origin, "GET", s.url("/api/auth/me"),
                   {"Authorization: Bearer " + token});
    EXPECT_EQ(me.status, 200);
    EXPECT_TRUE(cors_of(me).empty());
  }
}

TEST(E2eCors, CredentialsAreNeverAllowedWithStar) {
  // `*` and a listed origin together: the listed one gets itself and
  // credentials everywhere, every other origin `*` on the stream and never
  // credentials.
  test_server s{{"--cors-origins", "*," + listed}};
  const auto token = sign_up(s, "alice");
  struct answer {
    std::string origin;
    std::string what;
    http_response res;
  };
  std::vector<answer> answers;
  for (const auto& origin : {listed, unlisted}) {
    for (const std::string path :
         {"/sse/notifications/", "/sse/notifications", "/api/boards",
          "/api/auth/me", "/api/boards/1", "/api/nope"}) {
      answers.push_back(
          {origin, "OPTIONS " + path,
           preflight(origin, s.url(path), "GET", "authorization")});
      // A stream does not end: its head is checked below.
      if (!path.starts_with("/sse/"))
        answers.push_back({origin, "GET " + path,
                           from(origin, "GET", s.url(path),
                                {"Authorization: Bearer " + token})});
    }
    sse_client stream{s.url("/sse/notifications/"), {"Origin: " + origin}};
    ASSERT_TRUE(
        dots::test::eventually([&] { return !stream.retry().empty(); }));
    EXPECT_EQ(stream.header("access-control-allow-origin"),
              origin == listed ? listed : "*");
    EXPECT_EQ(stream.header("access-control-allow-credentials"),
              origin == listed ? "true" : "");
  }
  int with_star = 0;
  int with_listed = 0;
  for (const auto& a : answers) {
    const auto allowed = header(a.res, "access-control-allow-origin");
    const auto credentials = header(a.res, "access-control-allow-credentials");
    SCOPED_TRACE(a.origin + " " + a.what + " got '" + allowed + "'");
    if (a.origin == listed) {
      EXPECT_EQ(allowed, listed);
      EXPECT_EQ(credentials, "true");
      ++with_listed;
    } else if (a.what.starts_with("OPTIONS /sse/")) {
      EXPECT_EQ(allowed, "*");
      EXPECT_EQ(credentials, "");
      ++with_star;
    } else {
      EXPECT_EQ(allowed, "");
      EXPECT_EQ(credentials, "");
    }
  }
  EXPECT_EQ(with_listed, 10); // six preflights and four API requests
  EXPECT_EQ(with_star, 2);    // the unlisted origin's stream preflights
}

// -- the option at start
// -------------------------------------------------------------

/// Runs dots-server with `args` and `env` (NAME=value); its exit status
/// (-1 when it was still running after 5 s: it took the option and
/// started) and its standard error.
std::pair<int, std::string> run_binary(const std::vector<std::string>& args,
                                       const std::vector<std::string>& env) {
  temp_dir dir;
  const auto err_file = dir.path() / "stderr";
  std::vector<std::string> all{dots::test::server_binary(), "--listen",
                               "127.0.0.1:0", "--db",
                               (dir.path() / "dots.db").string()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (auto& e : env_copy)
    envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, STDERR_FILENO);
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  int result = -1;
  for (int i = 0; i < 500; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      result = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
      break;
    }
    std::this_thread::sleep_for(10ms);
  }
  if (result == -1) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  std::ifstream in{err_file};
  return {result, std::string{std::istreambuf_iterator<char>{in}, {}}};
}

TEST(E2eCors, ABadOriginIsAStartErrorWithExitStatus2) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"https://app.example.com/", "no path"},
      {"app.example.com", "not an absolute URL"},
      {"https://app.example.com,,*", "empty entry"},
      {"https://app.example.com:99999", "port"},
  };
  for (const auto& [value, reason] : cases) {
    SCOPED_TRACE(value);
    auto [status, err] = run_binary({"--cors-origins", value}, {});
    EXPECT_EQ(status, 2) << err;
    EXPECT_NE(err.find("--cors-origins"), std::string::npos) << err;
    EXPECT_NE(err.find(reason), std::string::npos) << err;
    auto [env_status, env_err] = run_binary({}, {"DOTS_CORS_ORIGINS=" + value});
    EXPECT_EQ(env_status, 2) << env_err;
    EXPECT_NE(env_err.find("DOTS_CORS_ORIGINS"), std::string::npos) << env_err;
  }
}

} // namespace
