#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

// Server-Sent Events wire format. Frames are encoded once per event and the
// same bytes go to every stream, so these are the only producers of frames.

namespace dots::domain {

/// `id: <id>\nevent: <name>\ndata: <line>\n...\n\n`. Every line break in
/// `data` (CR, LF or CRLF) starts a new `data:` line, and CR/LF in `name` are
/// dropped, so no input can end the frame early or inject a field.
std::string encode_sse_event(std::int64_t id, std::string_view name,
                             std::string_view data);

/// `event: <name>\ndata: ...\n\n` with no id line, for control events such
/// as `reset` that must not move the client's Last-Event-ID. Same escaping
/// as encode_sse_event.
std::string encode_sse_control(std::string_view name, std::string_view data);

/// `retry: <ms>\n\n`: tells clients how long to wait before reconnecting.
/// A negative delay is sent as 0.
std::string encode_sse_retry(std::chrono::milliseconds delay);

/// `id: <id>\n\n`: a block with no data sets the client's last event id
/// without firing an event, so a fresh stream can resume from where it
/// started even if it drops before its first event.
std::string encode_sse_id(std::int64_t id);

/// `: <text>\n\n`; used for keep-alives. CR/LF in `text` are dropped.
std::string encode_sse_comment(std::string_view text);

} // namespace dots::domain
