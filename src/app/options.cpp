#include "app/options.hpp"

#include "http/responses.hpp"
#include "storage/database.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <cctype>
#include <charconv>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <typeinfo>

namespace dots::app {

namespace {

namespace po = boost::program_options;
using domain::error;
using domain::result;

/// A value one of our checks refused; parse_options turns it into an error
/// naming the option, or the environment variable the value came from.
struct refused : std::runtime_error {
  refused(std::string option_name, const std::string& why)
      : std::runtime_error(why)
      , option(std::move(option_name)) {}
  std::string option; ///< the long name, without dashes
};

/// What our values add to Boost's value_semantic: the option they belong to
/// (for error messages) and what --help shows of them.
///
/// Every option takes exactly one token and is never composed across
/// sources, so the first source stored (the command line) wins.
class value_base : public po::value_semantic_codecvt_helper<char>,
                   public po::typed_value_base {
public:
  std::string option;   ///< the long name; set by add()
  std::string arg;      ///< e.g. "SECONDS": the argument, and its unit
  std::string fallback; ///< the default as --help shows it
  std::string range;    ///< e.g. "from 1 to 600"; empty for non-numbers

  std::string name() const override { return arg; }
  unsigned min_tokens() const override { return 1; }
  unsigned max_tokens() const override { return 1; }
  bool is_composing() const override { return false; }
  bool is_required() const override { return false; }
};

/// A typed value read by a check of ours rather than by Boost's
/// lexical_cast, which would take "-1" for an unsigned as 4294967295 and
/// could not say what was expected.
template <class T>
class checked final : public value_base {
public:
  /// Reads the text into `out`, or says what is wrong with it.
  using reader =
      std::function<std::optional<std::string>(const std::string&, T& out)>;
  /// Writes the final value where it belongs (usually one member).
  using writer = std::function<void(const T&)>;

  checked(T fallback_value, reader read, writer write)
      : fallback_(std::move(fallback_value))
      , read_(std::move(read))
      , write_(std::move(write)) {}

  bool apply_default(boost::any& store) const override {
    store = fallback_;
    return true;
  }
  void notify(const boost::any& store) const override {
    write_(boost::any_cast<const T&>(store));
  }
  const std::type_info& value_type() const override { return typeid(T); }

protected:
  void xparse(boost::any& store,
              const std::vector<std::string>& tokens) const override {
    T value{};
    if (auto problem = read_(tokens.front(), value))
      throw refused{option, *problem};
    // Replaces an earlier occurrence: the last one on the command line wins.
    store = std::move(value);
  }

private:
  T fallback_;
  reader read_;
  writer write_;
};

// -- the checks -----------------------------------------------------------

/// Plain decimal digits only: no sign, no spaces, no fraction.
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
std::string range_of(T min, T max) {
  std::ostringstream text;
  text << "from " << +min << " to " << +max;
  return text.str();
}

/// A whole number from `min` to `max` into `field`. `zero_means` is what
/// --help says of a default of 0 (e.g. "one per core").
template <class T>
std::unique_ptr<value_base> whole(options& into, T options::*field, T min,
                                  T max, std::string arg,
                                  std::string zero_means = {}) {
  const T fallback = options{}.*field;
  auto read = [min, max](const std::string& text,
                         T& out) -> std::optional<std::string> {
    auto n = number<T>(text, min, max);
    if (!n)
      return "expected a whole number " + range_of(min, max) + ", got '" +
             text + "'";
    out = *n;
    return std::nullopt;
  };
  auto v = std::make_unique<checked<T>>(
      fallback, read, [&into, field](const T& n) { into.*field = n; });
  v->arg = std::move(arg);
  v->range = range_of(min, max);
  v->fallback = fallback == T{} && !zero_means.empty()
                    ? std::move(zero_means)
                    : std::to_string(+fallback);
  return v;
}

/// Text into `field`, checked by `check` (nullopt: accepted).
std::unique_ptr<value_base>
text_value(options& into, std::string options::*field, std::string arg,
           std::function<std::optional<std::string>(const std::string&)> check,
           std::string empty_means = {}) {
  const std::string fallback = options{}.*field;
  auto read = [check](const std::string& text,
                      std::string& out) -> std::optional<std::string> {
    if (auto problem = check(text))
      return problem;
    out = text;
    return std::nullopt;
  };
  auto v = std::make_unique<checked<std::string>>(
      fallback, read,
      [&into, field](const std::string& s) { into.*field = s; });
  v->arg = std::move(arg);
  v->fallback = fallback.empty() ? std::move(empty_means) : fallback;
  return v;
}

/// HOST:PORT, the host possibly an IPv6 address in brackets.
struct endpoint {
  std::string host;
  std::uint16_t port = 0;
};

std::optional<std::string> read_endpoint(const std::string& v, endpoint& out) {
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
  out.host = host;
  out.port = static_cast<std::uint16_t>(*port);
  return std::nullopt;
}

std::unique_ptr<value_base> listen(options& into) {
  const options defaults;
  const endpoint fallback{defaults.listen_host, defaults.listen_port};
  auto v = std::make_unique<checked<endpoint>>(fallback, read_endpoint,
                                               [&into](const endpoint& e) {
                                                 into.listen_host = e.host;
                                                 into.listen_port = e.port;
                                               });
  v->arg = "HOST:PORT";
  v->fallback = fallback.host + ":" + std::to_string(fallback.port);
  return v;
}

const char* name_of(log::level l) {
  switch (l) {
  case log::level::error:
    return "error";
  case log::level::warn:
    return "warn";
  case log::level::info:
    return "info";
  case log::level::debug:
    return "debug";
  }
  return "?";
}

std::unique_ptr<value_base> log_level(options& into) {
  const auto fallback = options{}.log_level;
  auto read = [](const std::string& text,
                 log::level& out) -> std::optional<std::string> {
    auto l = log::parse_level(text);
    if (!l)
      return "expected error, warn, info or debug, got '" + text + "'";
    out = *l;
    return std::nullopt;
  };
  auto v = std::make_unique<checked<log::level>>(
      fallback, read, [&into](const log::level& l) { into.log_level = l; });
  v->arg = "LEVEL";
  v->fallback = name_of(fallback);
  return v;
}

std::optional<std::string> read_addresses(const std::string& v,
                                          std::vector<std::string>& out) {
  out.clear();
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
    out.emplace_back(item);
    rest = comma == std::string_view::npos ? std::string_view{}
                                           : rest.substr(comma + 1);
  }
  return std::nullopt;
}

std::unique_ptr<value_base> trusted_proxies(options& into) {
  const auto fallback = options{}.trusted_proxies;
  auto v = std::make_unique<checked<std::vector<std::string>>>(
      fallback, read_addresses,
      [&into](const std::vector<std::string>& a) { into.trusted_proxies = a; });
  v->arg = "LIST";
  std::string shown;
  for (const auto& a : fallback)
    shown += (shown.empty() ? "" : ",") + a;
  v->fallback = shown.empty() ? "none" : shown;
  return v;
}

std::unique_ptr<value_base> cors_origins(options& into) {
  auto read = [](const std::string& text,
                 std::vector<std::string>& out) -> std::optional<std::string> {
    auto origins = http::parse_cors_origins(text);
    if (!origins)
      return origins.error().message;
    out = std::move(origins).value();
    return std::nullopt;
  };
  auto v = std::make_unique<checked<std::vector<std::string>>>(
      options{}.cors_origins, read,
      [&into](const std::vector<std::string>& o) { into.cors_origins = o; });
  v->arg = "LIST";
  v->fallback = "none";
  return v;
}

std::optional<std::string> check_database(const std::string& v) {
  auto where = storage::parse_database_location(v);
  if (!where)
    return where.error().message;
  return std::nullopt;
}

std::optional<std::string> anything(const std::string&) {
  return std::nullopt;
}

// -- the description --------------------------------------------------------

void add(po::options_description& desc, const char* name, const char* help,
         std::unique_ptr<value_base> value) {
  value->option = name;
  desc.add_options()(name, value.release(), help);
}

/// Every option, its value writing into `into`. Built anew for each parse
/// (the values point into that parse's options) and for --help.
po::options_description describe(options& into) {
  po::options_description desc;
  add(desc, "listen", "address to serve on; port 0 picks a free one",
      listen(into));
  add(desc, "db",
      "the database: a SQLite file (or sqlite:FILE), created with its folder "
      "if missing, for one server process; or a PostgreSQL URI "
      "(postgresql://USER@HOST:PORT/DB; the password may come from "
      "PGPASSWORD) shared by any number of instances",
      text_value(into, &options::db, "FILE|URI", check_database));
  add(desc, "db-connect-timeout",
      "PostgreSQL: how long one connection attempt may take, in seconds",
      whole(into, &options::db_connect_timeout_seconds, 1u, 600u, "SECONDS"));
  add(desc, "db-statement-timeout",
      "PostgreSQL: how long one statement may run, in milliseconds, before "
      "it is cancelled and the request answers 503",
      whole(into, &options::db_statement_timeout_ms, 10u, 600'000u, "MS"));
  add(desc, "event-poll",
      "how often the event log is read even without a wake-up, in "
      "milliseconds, so that a lost notification delays an event but never "
      "loses it",
      whole(into, &options::event_poll_ms, 10u, 3'600'000u, "MS"));
  add(desc, "trusted-proxies",
      "comma-separated addresses of reverse proxies whose X-Forwarded-For "
      "names the real client, for the login limit",
      trusted_proxies(into));
  add(desc, "cors-origins",
      "comma-separated origins (scheme://host[:port]) whose pages may use "
      "the API and the stream from another site, with a Bearer token; '*' "
      "opens the stream (only) to every site",
      cors_origins(into));
  add(desc, "threads",
      "I/O threads, which accept connections, serve requests and write "
      "streams",
      whole(into, &options::threads, 1u, 256u, "N", "one per core"));
  add(desc, "actor-threads",
      "CAF worker threads, which run the actors: accounts, boards, the event "
      "notifier",
      whole(into, &options::actor_threads, 1u, 256u, "N",
            "the core count, at most 2"));
  add(desc, "log-level", "error, warn, info or debug", log_level(into));
  add(desc, "web-dir",
      "the built browser app, served at /; must hold index.html",
      text_value(into, &options::web_dir, "DIR", anything,
                 "../share/dots/web next to the executable"));
  add(desc, "keepalive-seconds",
      "seconds between keep-alive comments on streams",
      whole(into, &options::keepalive_seconds, 1u, 3600u, "SECONDS"));
  add(desc, "event-retention",
      "events kept for resuming streams; a client further behind gets a "
      "reset",
      whole<std::int64_t>(into, &options::event_retention, 1, 10'000'000,
                          "EVENTS"));
  add(desc, "max-streams",
      "notification streams held at once; past it 503 with a Retry-After "
      "drawn from 3 to 6 s",
      whole<std::size_t>(into, &options::max_streams, 1, 10'000'000, "N",
                         "the descriptor limit minus 500"));
  add(desc, "stream-queue-frames",
      "frames queued for a client that is not reading before it is dropped",
      whole<std::size_t>(into, &options::stream_queue_frames, 1, 1'000'000,
                         "FRAMES"));
  add(desc, "stream-queue-bytes",
      "bytes pending for such a client, in our queue and in its socket's "
      "send queue together, before it is dropped",
      whole<std::size_t>(into, &options::stream_queue_bytes, 1024, 1u << 30,
                         "BYTES"));
  add(desc, "stream-write-timeout",
      "seconds a client may take no byte of what is pending for its stream "
      "(replay included) before it is dropped",
      whole(into, &options::stream_write_timeout_seconds, 1u, 86'400u,
            "SECONDS"));
  add(desc, "login-limit",
      "login attempts per minute from one address; past it 429",
      whole(into, &options::login_limit, 1, 1'000'000, "N"));
  add(desc, "hash-threads",
      "threads that hash and check passwords (argon2id, about 0.2 s and 64 "
      "MiB each), apart from everything else",
      whole(into, &options::hash_threads, 1u, 256u, "N",
            "half the cores, at least 1"));
  add(desc, "hash-queue",
      "password hashes (registrations, logins) that may wait for a hash "
      "thread, each about 0.2 s / hash threads; past it 503 with "
      "Retry-After at once. A request waits at most 15 s",
      whole<std::size_t>(into, &options::hash_queue, 0, 10'000, "JOBS"));
  add(desc, "request-timeout",
      "seconds a client has to send a whole request, and idle keep-alive "
      "time",
      whole(into, &options::request_timeout_seconds, 1u, 3600u, "SECONDS"));
  desc.add_options()("help,h", po::bool_switch(&into.help),
                     "show this help and exit")(
      "version", po::bool_switch(&into.version), "print the version and exit");
  return desc;
}

/// Our part of an option's description, or null for a flag.
const value_base* value_of(const po::option_description& d) {
  return dynamic_cast<const value_base*>(d.semantic().get());
}

/// The variable an option is also read from: --event-poll ← DOTS_EVENT_POLL.
std::string variable_of(const std::string& option) {
  std::string name = "DOTS_";
  for (char c : option)
    name +=
        c == '-'
            ? '_'
            : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

error bad_option(const std::string& message) {
  return domain::invalid("invalid_option", message);
}

/// Boost refuses `--name=` before the option's own check sees the empty
/// value; given as a separate token, each option decides what an empty value
/// means (an empty --web-dir is the default; an empty --threads is no
/// number), as the environment's DOTS_* do not (empty there is unset).
std::vector<std::string>
empty_values_apart(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    if (a.starts_with("--") && a.size() > 3 && a.find('=') == a.size() - 1) {
      out.push_back(a.substr(0, a.size() - 1));
      out.emplace_back();
    } else {
      out.push_back(a);
    }
  }
  return out;
}

/// The command line parsed (not yet stored), or why it cannot be.
result<po::parsed_options>
parse_command_line(const po::options_description& desc,
                   const std::vector<std::string>& args) {
  namespace style = po::command_line_style;
  // Long options as `--name value` or `--name=value`, and -h. No guessing
  // of abbreviations: an option is named in full.
  const int accepted = style::allow_long | style::long_allow_adjacent |
                       style::long_allow_next | style::allow_short |
                       style::allow_dash_for_short | style::short_allow_next;
  try {
    auto parsed = po::command_line_parser(empty_values_apart(args))
                      .options(desc)
                      .style(accepted)
                      .run();
    // Without a positional description, Boost keeps stray words as options
    // without a name; we take none.
    for (const auto& o : parsed.options)
      if (o.string_key.empty())
        return bad_option("unexpected argument '" + o.original_tokens.front() +
                          "' (see --help)");
    return parsed;
  } catch (const po::unknown_option& e) {
    auto name = e.get_option_name();
    return bad_option("unknown option '" + name.substr(0, name.find('=')) +
                      "' (see --help)");
  } catch (const po::invalid_command_line_syntax& e) {
    const auto name = e.get_option_name();
    using kind = po::invalid_command_line_syntax;
    if (e.kind() == kind::missing_parameter) {
      const auto* d = desc.find_nothrow(name.substr(2), false);
      const auto* v = d != nullptr ? value_of(*d) : nullptr;
      return bad_option(name + " needs a value" +
                        (v != nullptr ? ": " + v->arg : std::string{}));
    }
    if (e.kind() == kind::extra_parameter)
      return bad_option(name + " takes no value");
    return bad_option(e.what());
  } catch (const po::error& e) {
    return bad_option(e.what());
  }
}

} // namespace

result<options>
parse_options(const std::vector<std::string>& args,
              const std::function<const char*(const char*)>& getenv) {
  options o;
  const auto desc = describe(o);

  // The environment, as options of their own, each checked now so that a
  // bad variable is reported even when the command line overrides it.
  po::parsed_options from_env{&desc};
  for (const auto& d : desc.options()) {
    if (value_of(*d) == nullptr)
      continue; // --help and --version have no variable
    const auto variable = variable_of(d->long_name());
    const char* text = getenv(variable.c_str());
    if (text == nullptr || *text == '\0')
      continue;
    boost::any scratch;
    try {
      d->semantic()->parse(scratch, {text}, false);
    } catch (const refused& r) {
      return bad_option(variable + ": " + r.what());
    }
    from_env.options.emplace_back(d->long_name(),
                                  std::vector<std::string>{text});
  }

  BOOST_OUTCOME_TRY(const auto line, parse_command_line(desc, args));
  po::variables_map vm;
  try {
    // What is stored first wins: the command line, then the environment;
    // the defaults fill the rest.
    po::store(line, vm);
    po::store(from_env, vm);
    po::notify(vm);
  } catch (const refused& r) {
    return bad_option("--" + r.option + ": " + r.what());
  } catch (const po::error& e) {
    return bad_option(e.what());
  }
  return o;
}

std::string usage() {
  options scratch;
  const auto desc = describe(scratch);
  std::ostringstream out;
  out << "Usage: dots-server [OPTIONS]\n\n"
         "Serves the Dots puzzle API, the browser app and live notifications "
         "(Server-Sent\nEvents at /sse/notifications/) from one process, "
         "with an embedded SQLite\ndatabase, or as one of several instances "
         "sharing a PostgreSQL database.\n\nOptions (each also read from "
         "the environment variable shown):\n";
  auto wrapped = [&out](const std::string& text) {
    std::istringstream words{text};
    std::string word, line;
    while (words >> word) {
      if (!line.empty() && line.size() + word.size() + 1 > 70) {
        out << "      " << line << '\n';
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    out << "      " << line << '\n';
  };
  for (const auto& d : desc.options()) {
    const auto* v = value_of(*d);
    if (v == nullptr) {
      const auto short_name = d->canonical_display_name(
          po::command_line_style::allow_dash_for_short);
      out << "  "
          << (short_name.size() == 2 ? short_name + ", " : std::string{})
          << "--" << d->long_name() << '\n';
      wrapped(d->description());
      continue;
    }
    out << "  --" << d->long_name() << ' ' << v->arg << '\n';
    wrapped(d->description() + " (default: " + v->fallback +
            (v->range.empty() ? "" : "; " + v->range) + ") [" +
            variable_of(d->long_name()) + "]");
  }
  out << "\nSIGINT or SIGTERM stops the server cleanly: it stops accepting, "
         "ends the streams,\nfinishes requests in flight, closes the "
         "database and exits 0.\n";
  return out.str();
}

} // namespace dots::app
