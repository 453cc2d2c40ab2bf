#pragma once

#include "http/handler.hpp"

#include <boost/asio/awaitable.hpp>

// The handlers of the JSON API (accounts, boards, paths) and the health
// probes, one per endpoint and method (../shared/spec/api.md). The route
// table (router.cpp) says which answers what; the method is checked there.
// Each handler checks, in this order: authentication (401), Origin for
// cookie-authenticated writes (403), content type (415), JSON and rules
// (400), then asks the actor that owns the data. A failed request changes
// nothing. Errors are returned, never written: the session turns them into
// responses.

namespace dots::http::api {

using task = boost::asio::awaitable<handler_result>;

// -- operations (spec "Operations") ---------------------------------------

/// GET /healthz: 200 `{"status": "ok"}` while the process runs.
task healthz(const exchange& x);

/// GET /readyz: 200 when the server accepts work; 503 with
/// `readiness_retry_after` while starting, draining or while the database
/// is unreachable.
task readyz(const exchange& x);

// -- accounts (spec "Accounts") --------------------------------------------

/// POST /api/auth/register: 201 `{"id", "username"}`; 409 when taken.
task register_user(const exchange& x);

/// POST /api/auth/login: 200 `{"token", "username"}` and the session
/// cookie; 401 for wrong credentials, 429 past the login limit (keyed on
/// the client address, see client_address).
task login(const exchange& x);

/// POST /api/auth/logout: 204 and an expired cookie; the token stops
/// working.
task logout(const exchange& x);

/// GET /api/auth/me: 200 `{"id", "username"}` of the caller.
task me(const exchange& x);

// -- boards (spec "Boards") -------------------------------------------------

/// GET /api/boards?mine=&limit=&after=: a page, newest first; 400
/// `invalid_query` with the parameter as `field`; `mine=1` needs an account.
task list_boards(const exchange& x);

/// POST /api/boards: 201 with the board and its Location.
task create_board(const exchange& x);

/// GET /api/boards/{id}: 200 board; 404 when none.
task get_board(const exchange& x);

/// PUT /api/boards/{id}: 200 board; 403 unless the caller created it.
task update_board(const exchange& x);

/// DELETE /api/boards/{id}: 204; 403 unless the caller created it.
task delete_board(const exchange& x);

// -- paths (spec "Paths") ---------------------------------------------------

/// GET /api/boards/{id}/path: the caller's own path; 404 when none.
task get_path(const exchange& x);

/// PUT /api/boards/{id}/path: 201 on the first save, 200 after.
task save_path(const exchange& x);

/// DELETE /api/boards/{id}/path: 204.
task delete_path(const exchange& x);

} // namespace dots::http::api
