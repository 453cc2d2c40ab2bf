#pragma once

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>

namespace dots::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = boost::asio::ip::tcp;

using request = bhttp::request<bhttp::string_body>;

/// The completion of a detached coroutine (co_spawn): logs the exception
/// that ended it, if one did. `what` names the coroutine in the log.
struct log_if_thrown {
  const char* what;
  void operator()(std::exception_ptr e) const;
};
using response = bhttp::response<bhttp::string_body>;

} // namespace dots::http
