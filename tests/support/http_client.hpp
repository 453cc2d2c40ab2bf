#pragma once

#include <boost/json/value.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// A real HTTP client for the end-to-end tests: libcurl, the library behind
// the curl command.

namespace dots::test {

struct http_response {
  long status = 0;
  std::string body;
  /// Header names in lower case; the last value wins.
  std::map<std::string, std::string> headers;

  /// The body parsed as JSON (null when it is not JSON).
  boost::json::value json() const;
  /// error.code of a JSON error body, or "" when there is none.
  std::string error_code() const;
  std::string error_field() const;
};

/// One request. `headers` are "Name: value" lines. A body is sent as is;
/// set the Content-Type header yourself.
http_response http(const std::string& method, const std::string& url,
                   const std::string& body = {},
                   const std::vector<std::string>& headers = {});

/// Shorthands with a JSON body and an optional bearer token.
http_response http_json(const std::string& method, const std::string& url,
                        const boost::json::value& body,
                        const std::string& token = {});

/// One SSE event as a client sees it.
struct sse_event {
  std::string id;
  std::string event; ///< "message" when the frame had no event field
  std::string data;
};

/// An SSE client on its own thread that collects events and comments as
/// they arrive, parsed per the EventSource rules.
class sse_client {
public:
  /// Connects to `url` with optional extra headers (e.g. Last-Event-ID).
  explicit sse_client(std::string url, std::vector<std::string> headers = {});
  ~sse_client();
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  /// Waits until `pred(events)` holds or `timeout` passes; returns pred.
  bool wait_for(const std::function<bool(const std::vector<sse_event>&)>& pred,
                std::chrono::milliseconds timeout = std::chrono::seconds{5});
  /// Waits until at least `n` events arrived.
  bool wait_events(std::size_t n,
                   std::chrono::milliseconds timeout = std::chrono::seconds{5});
  /// Waits until the server ended the stream.
  bool wait_closed(std::chrono::milliseconds timeout = std::chrono::seconds{5});

  std::vector<sse_event> events() const;
  std::size_t comments() const; ///< comment lines seen (keep-alives)
  long status() const;          ///< HTTP status, 0 until known
  std::string header(const std::string& lower_name) const;
  std::string raw() const; ///< every byte received
  bool closed() const;
  std::string retry() const; ///< the last `retry:` value
  /// The last event id as EventSource keeps it: set by every block that
  /// ends with an `id:` seen, events and bare `id:` blocks alike (WHATWG
  /// HTML, "dispatch the event", step 1). What a browser would resume from.
  std::string last_event_id() const;

  /// Closes the connection (within about a second).
  void stop();

private:
  void run();
  static std::size_t on_data(char* p, std::size_t size, std::size_t n,
                             void* self);
  static std::size_t on_header(char* p, std::size_t size, std::size_t n,
                               void* self);
  void feed(const char* p, std::size_t n);

  std::string url_;
  std::vector<std::string> headers_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::string raw_;
  std::string pending_;
  sse_event current_;
  bool has_data_ = false;
  std::string last_event_id_;
  std::vector<sse_event> events_;
  std::size_t comments_ = 0;
  std::string retry_;
  std::map<std::string, std::string> response_headers_;
  long status_ = 0;
  bool closed_ = false;
  bool stop_ = false;
  std::thread thread_;
};

} // namespace dots::test

namespace dots::test {

/// A client that opens a stream and then never reads from it, with a tiny
/// receive buffer: the server sees a peer that stopped keeping up.
class stuck_client {
public:
  /// `host_port` is "127.0.0.1:PORT"; sends the GET for `target` (with
  /// `extra_headers`, each line ending in CRLF) and stops. `rcvbuf`: the
  /// receive buffer asked for, in bytes, before connecting.
  stuck_client(const std::string& host_port, const std::string& target,
               const std::string& extra_headers = {}, int rcvbuf = 2048);
  ~stuck_client();
  stuck_client(const stuck_client&) = delete;
  stuck_client& operator=(const stuck_client&) = delete;

  /// True once the server closed or reset the connection. Reads (and
  /// discards) what is pending to find out, so call it only at the end.
  bool closed_by_server(std::chrono::milliseconds timeout);

private:
  int fd_ = -1;
};

} // namespace dots::test
