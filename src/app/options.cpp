#include "app/options.hpp"

#include "storage/database.hpp"

#include <boost/asio/ip/address.hpp>
#include <charconv>
#include <sstream>

namespace dots::app {

namespace {

using domain::error;
using domain::result;

/// One option: its name, environment variable, argument, help, and how to
/// store a value.
struct spec {
  const char* name;
  const char* env;
  const char* arg;
  const char* help;
  std::function<std::optional<std::string>(options&, const std::string&)> set;
};

template <class T>
std::optional<T> number(const std::string& text, T min, T max) {
  T value{};
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < min ||
      value > max)
    return std::nullopt;
  return value;
}

template <class T>
auto number_into(T options::*field, T min, T max) {
  return [field, min, max](options& o,
                           const std::string& v) -> std::optional<std::string> {
    auto n = number<T>(v, min, max);
    if (!n) {
      std::ostringstream msg;
      msg << "expected a whole number from " << +min << " to " << +max
          << ", got '" << v << "'";
      return msg.str();
    }
    o.*field = *n;
    return std::nullopt;
  };
}

std::optional<std::string> set_listen(options& o, const std::string& v) {
  auto colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return "expected HOST:PORT, e.g. 127.0.0.1:8000, got '" + v + "'";
  auto port = number<unsigned>(v.substr(colon + 1), 0, 65535);
  if (!port)
    return "the port must be a number from 0 to 65535, got '" +
           v.substr(colon + 1) + "'";
  auto host = v.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  o.listen_host = host;
  o.listen_port = static_cast<std::uint16_t>(*port);
  return std::nullopt;
}

const std::vector<spec>& specs() {
  static const std::vector<spec> all{
      {"listen", "DOTS_LISTEN", "HOST:PORT",
       "address to serve on; port 0 picks a free one (default "
       "127.0.0.1:8000)",
       set_listen},
      {"db", "DOTS_DB", "FILE|URI",
       "the database: a SQLite file (or sqlite:FILE), created with its folder "
       "if missing, for one server process; or a PostgreSQL URI "
       "(postgresql://USER@HOST:PORT/DB; the password may come from "
       "PGPASSWORD) shared by any number of instances (default "
       "./data/dots.db)",
       [](options& o, const std::string& v) -> std::optional<std::string> {
         auto where = storage::parse_database_location(v);
         if (!where)
           return where.error().message;
         o.db = v;
         return std::nullopt;
       }},
      {"db-connect-timeout", "DOTS_DB_CONNECT_TIMEOUT", "SECONDS",
       "PostgreSQL: how long one connection attempt may take (default 5)",
       number_into(&options::db_connect_timeout_seconds, 1u, 600u)},
      {"db-statement-timeout", "DOTS_DB_STATEMENT_TIMEOUT", "MS",
       "PostgreSQL: how long one statement may run before it is cancelled and "
       "the request answers 503 (default 5000)",
       number_into(&options::db_statement_timeout_ms, 10u, 600'000u)},
      {"event-poll", "DOTS_EVENT_POLL", "MS",
       "how often the event log is read even without a wake-up, so that a "
       "lost notification delays an event but never loses it (default 1000)",
       number_into(&options::event_poll_ms, 10u, 3'600'000u)},
      {"trusted-proxies", "DOTS_TRUSTED_PROXIES", "LIST",
       "comma-separated addresses of reverse proxies whose X-Forwarded-For "
       "names the real client, for the login limit (default: none)",
       [](options& o, const std::string& v) -> std::optional<std::string> {
         o.trusted_proxies.clear();
         std::string_view rest = v;
         while (!rest.empty()) {
           auto comma = rest.find(',');
           auto item = rest.substr(0, comma);
           while (!item.empty() && item.front() == ' ')
             item.remove_prefix(1);
           while (!item.empty() && item.back() == ' ')
             item.remove_suffix(1);
           boost::system::error_code ec;
           boost::asio::ip::make_address(item, ec);
           if (ec)
             return "expected IP addresses separated by commas, got '" +
                    std::string{item} + "'";
           o.trusted_proxies.emplace_back(item);
           rest = comma == std::string_view::npos ? std::string_view{}
                                                  : rest.substr(comma + 1);
         }
         return std::nullopt;
       }},
      {"threads", "DOTS_THREADS", "N", "I/O threads (default: one per core)",
       number_into(&options::threads, 1u, 256u)},
      {"log-level", "DOTS_LOG_LEVEL", "LEVEL",
       "error, warn, info or debug (default info)",
       [](options& o, const std::string& v) -> std::optional<std::string> {
         auto l = log::parse_level(v);
         if (!l)
           return "expected error, warn, info or debug, got '" + v + "'";
         o.log_level = *l;
         return std::nullopt;
       }},
      {"web-dir", "DOTS_WEB_DIR", "DIR",
       "built browser app served at / (default ./web/dist when it exists)",
       [](options& o, const std::string& v) -> std::optional<std::string> {
         o.web_dir = v;
         return std::nullopt;
       }},
      {"keepalive-seconds", "DOTS_KEEPALIVE_SECONDS", "N",
       "seconds between keep-alive comments on streams (default 15)",
       number_into(&options::keepalive_seconds, 1u, 3600u)},
      {"event-retention", "DOTS_EVENT_RETENTION", "N",
       "events kept for resuming streams; older ones get a reset (default "
       "10000)",
       number_into<std::int64_t>(&options::event_retention, 1, 10'000'000)},
      {"max-streams", "DOTS_MAX_STREAMS", "N",
       "notification streams held at once; past it 503 (default: the "
       "descriptor limit minus 500)",
       number_into<std::size_t>(&options::max_streams, 1, 10'000'000)},
      {"stream-queue-frames", "DOTS_STREAM_QUEUE_FRAMES", "N",
       "frames queued for a client that is not reading before it is dropped "
       "(default 256)",
       number_into<std::size_t>(&options::stream_queue_frames, 1, 1'000'000)},
      {"stream-queue-bytes", "DOTS_STREAM_QUEUE_BYTES", "N",
       "bytes queued for such a client, in our queue and again in its socket's "
       "send buffer, before it is dropped (default 262144)",
       number_into<std::size_t>(&options::stream_queue_bytes, 1024, 1u << 30)},
      {"login-limit", "DOTS_LOGIN_LIMIT", "N",
       "login attempts per minute from one address; past it 429 (default 10)",
       number_into(&options::login_limit, 1, 1'000'000)},
      {"request-timeout", "DOTS_REQUEST_TIMEOUT", "SECONDS",
       "time a client has to send a whole request, and idle keep-alive time "
       "(default 30)",
       number_into(&options::request_timeout_seconds, 1u, 3600u)},
  };
  return all;
}

error bad_option(const std::string& message) {
  return domain::invalid("invalid_option", message);
}

} // namespace

result<options>
parse_options(const std::vector<std::string>& args,
              const std::function<const char*(const char*)>& getenv) {
  options o;
  for (auto& s : specs()) {
    if (const char* v = getenv(s.env); v != nullptr && *v != '\0')
      if (auto problem = s.set(o, v))
        return bad_option(std::string{s.env} + ": " + *problem);
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
      continue;
    }
    if (a == "--version") {
      o.version = true;
      continue;
    }
    if (!a.starts_with("--"))
      return bad_option("unexpected argument '" + a + "' (see --help)");
    auto eq = a.find('=');
    auto name =
        a.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    const spec* found = nullptr;
    for (auto& s : specs())
      if (name == s.name)
        found = &s;
    if (!found)
      return bad_option("unknown option '--" + name + "' (see --help)");
    std::string value;
    if (eq != std::string::npos) {
      value = a.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return bad_option("--" + name + " needs a value: " + found->arg);
    }
    if (auto problem = found->set(o, value))
      return bad_option("--" + name + ": " + *problem);
  }
  return o;
}

std::string usage() {
  std::ostringstream out;
  out << "Usage: dots-server [OPTIONS]\n\n"
         "Serves the Dots puzzle API, the browser app and live notifications "
         "(Server-Sent\nEvents at /sse/notifications/) from one process, "
         "with an embedded SQLite\ndatabase, or as one of several instances "
         "sharing a PostgreSQL database.\n\nOptions (each also read from "
         "the environment variable shown):\n";
  for (auto& s : specs()) {
    out << "  --" << s.name << ' ' << s.arg << '\n';
    // Word-wrapped under the option, with its variable at the end.
    std::istringstream words{std::string{s.help} + " [" + s.env + "]"};
    std::string word, line;
    while (words >> word) {
      if (!line.empty() && line.size() + word.size() + 1 > 70) {
        out << "      " << line << '\n';
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    out << "      " << line << '\n';
  }
  out << "  -h, --help\n      show this help and exit\n"
         "  --version\n      print the version and exit\n\n"
         "SIGINT or SIGTERM stops the server cleanly: it stops accepting, "
         "ends the streams,\nfinishes requests in flight, closes the "
         "database and exits 0.\n";
  return out.str();
}

} // namespace dots::app
