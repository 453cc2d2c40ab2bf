#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cctype>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <sys/socket.h>
#include <unistd.h>

namespace dots::test {

namespace {

struct curl_global {
  curl_global() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~curl_global() { curl_global_cleanup(); }
};

void ensure_curl() {
  static curl_global g;
}

std::size_t append_body(char* p, std::size_t size, std::size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

void parse_header_line(std::string line,
                       std::map<std::string, std::string>& out) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n'))
    line.pop_back();
  auto colon = line.find(':');
  if (colon == std::string::npos)
    return;
  auto value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ')
    value.erase(0, 1);
  out[lower(line.substr(0, colon))] = value;
}

std::size_t collect_header(char* p, std::size_t size, std::size_t n,
                           void* out) {
  auto& headers = *static_cast<std::map<std::string, std::string>*>(out);
  std::string line(p, size * n);
  // A new status line (after 100-continue) starts a new header set.
  if (line.starts_with("HTTP/"))
    headers.clear();
  parse_header_line(std::move(line), headers);
  return size * n;
}

} // namespace

boost::json::value http_response::json() const {
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value{} : v;
}

std::string http_response::error_code() const {
  auto v = json();
  if (auto* o = v.if_object())
    if (auto* e = o->if_contains("error"); e && e->is_object())
      if (auto* c = e->as_object().if_contains("code"); c && c->is_string())
        return std::string{c->as_string()};
  return {};
}

std::string http_response::error_field() const {
  auto v = json();
  if (auto* o = v.if_object())
    if (auto* e = o->if_contains("error"); e && e->is_object())
      if (auto* f = e->as_object().if_contains("field"); f && f->is_string())
        return std::string{f->as_string()};
  return {};
}

http_response http(const std::string& method, const std::string& url,
                   const std::string& body,
                   const std::vector<std::string>& headers) {
  ensure_curl();
  http_response res;
  CURL* c = curl_easy_init();
  curl_slist* list = nullptr;
  for (auto& h : headers)
    list = curl_slist_append(list, h.c_str());
  // No "Expect: 100-continue" round trip for larger bodies.
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  if (method == "HEAD")
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  if (!body.empty() || method == "POST" || method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &res.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &res.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  auto rc = curl_easy_perform(c);
  if (rc == CURLE_OK)
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &res.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  return res;
}

http_response http_json(const std::string& method, const std::string& url,
                        const boost::json::value& body,
                        const std::string& token) {
  std::vector<std::string> headers{"Content-Type: application/json"};
  if (!token.empty())
    headers.push_back("Authorization: Bearer " + token);
  return http(method, url, boost::json::serialize(body), headers);
}

// -- sse_client ---------------------------------------------------------------

sse_client::sse_client(std::string url, std::vector<std::string> headers)
    : url_(std::move(url))
    , headers_(std::move(headers)) {
  ensure_curl();
  thread_ = std::thread{[this] {
    run();
  }};
}

sse_client::~sse_client() {
  stop();
}

void sse_client::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stop_ = true;
  }
  if (thread_.joinable())
    thread_.join();
}

void sse_client::run() {
  CURL* c = curl_easy_init();
  curl_slist* list = nullptr;
  for (auto& h : headers_)
    list = curl_slist_append(list, h.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(
      c, CURLOPT_XFERINFOFUNCTION,
      +[](void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> int {
        auto* s = static_cast<sse_client*>(self);
        std::lock_guard<std::mutex> guard{s->mtx_};
        return s->stop_ ? 1 : 0;
      });
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, this);
  curl_easy_perform(c);
  curl_slist_free_all(list);
  curl_easy_cleanup(c);
  std::lock_guard<std::mutex> guard{mtx_};
  closed_ = true;
  cv_.notify_all();
}

std::size_t sse_client::on_header(char* p, std::size_t size, std::size_t n,
                                  void* self) {
  auto* s = static_cast<sse_client*>(self);
  std::string line(p, size * n);
  std::lock_guard<std::mutex> guard{s->mtx_};
  if (line.starts_with("HTTP/")) {
    auto sp = line.find(' ');
    s->status_ = std::stol(line.substr(sp + 1, 3));
  } else {
    parse_header_line(std::move(line), s->response_headers_);
  }
  s->cv_.notify_all();
  return size * n;
}

std::size_t sse_client::on_data(char* p, std::size_t size, std::size_t n,
                                void* self) {
  auto* s = static_cast<sse_client*>(self);
  std::lock_guard<std::mutex> guard{s->mtx_};
  if (s->stop_)
    return 0; // aborts the transfer
  s->feed(p, size * n);
  s->cv_.notify_all();
  return size * n;
}

void sse_client::feed(const char* p, std::size_t n) {
  raw_.append(p, n);
  pending_.append(p, n);
  // Lines end with CRLF, LF or CR; a blank line dispatches the event.
  for (;;) {
    auto eol = pending_.find_first_of("\r\n");
    if (eol == std::string::npos)
      return;
    auto line = pending_.substr(0, eol);
    auto skip = 1;
    if (pending_[eol] == '\r' && eol + 1 < pending_.size() &&
        pending_[eol + 1] == '\n')
      skip = 2;
    else if (pending_[eol] == '\r' && eol + 1 == pending_.size())
      return; // wait: the LF of a CRLF may come next
    pending_.erase(0, eol + skip);
    if (line.empty()) {
      last_event_id_ = current_.id;
      if (has_data_) {
        if (current_.event.empty())
          current_.event = "message";
        if (!current_.data.empty() && current_.data.back() == '\n')
          current_.data.pop_back();
        events_.push_back(current_);
      }
      current_.event.clear();
      current_.data.clear();
      has_data_ = false;
      continue;
    }
    if (line.front() == ':') {
      ++comments_;
      continue;
    }
    auto colon = line.find(':');
    auto field = line.substr(0, colon);
    std::string value;
    if (colon != std::string::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ')
        value.erase(0, 1);
    }
    if (field == "data") {
      current_.data += value + "\n";
      has_data_ = true;
    } else if (field == "event") {
      current_.event = value;
    } else if (field == "id") {
      current_.id = value;
    } else if (field == "retry") {
      retry_ = value;
    }
  }
}

bool sse_client::wait_for(
    const std::function<bool(const std::vector<sse_event>&)>& pred,
    std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mtx_};
  return cv_.wait_for(lock, timeout, [&] { return pred(events_); });
}

bool sse_client::wait_events(std::size_t n, std::chrono::milliseconds timeout) {
  return wait_for([n](const auto& ev) { return ev.size() >= n; }, timeout);
}

bool sse_client::wait_closed(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock{mtx_};
  return cv_.wait_for(lock, timeout, [&] { return closed_; });
}

std::vector<sse_event> sse_client::events() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return events_;
}

std::size_t sse_client::comments() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return comments_;
}

long sse_client::status() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return status_;
}

std::string sse_client::header(const std::string& lower_name) const {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = response_headers_.find(lower_name);
  return it == response_headers_.end() ? std::string{} : it->second;
}

std::string sse_client::raw() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return raw_;
}

bool sse_client::closed() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return closed_;
}

std::string sse_client::retry() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return retry_;
}

std::string sse_client::last_event_id() const {
  std::lock_guard<std::mutex> lock{mtx_};
  return last_event_id_;
}

// -- stuck_client -------------------------------------------------------------

stuck_client::stuck_client(const std::string& host_port,
                           const std::string& target,
                           const std::string& extra_headers, int rcvbuf) {
  auto colon = host_port.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port =
      htons(static_cast<uint16_t>(std::stoi(host_port.substr(colon + 1))));
  ::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &addr.sin_addr);
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  // Set before connecting, so the window the server sees stays small.
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0)
    throw std::runtime_error("stuck_client: connect failed");
  auto req = "GET " + target + " HTTP/1.1\r\nHost: " + host_port +
             "\r\nAccept: text/event-stream\r\n" + extra_headers + "\r\n";
  if (::send(fd_, req.data(), req.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(req.size()))
    throw std::runtime_error("stuck_client: send failed");
}

stuck_client::~stuck_client() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool stuck_client::closed_by_server(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0)
      continue;
    auto n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0)
      return true; // EOF or reset
  }
  return false;
}

} // namespace dots::test
