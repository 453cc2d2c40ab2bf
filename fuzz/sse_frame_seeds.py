#!/usr/bin/env python3
"""Writes the seed corpus of the sse_frame fuzz target: streams a server
sends, in the input format of sse_frame.cpp's byte_reader. Run it again after
changing that format: python3 fuzz/sse_frame_seeds.py fuzz/corpus/sse_frame
"""
import json
import pathlib
import struct
import sys

TYPES = ["newBoard", "newPath", "boardUpdated", "boardDeleted", "pathUpdated"]


def i64(v):
    return struct.pack("<q", v)


def i32(v):
    return struct.pack("<i", v)


def text(s):
    """A unicode_text: a count, then each character; ASCII as itself,
    anything else as 0xC0 and its code point in three bytes."""
    out = bytearray([len(s)])
    for ch in s:
        cp = ord(ch)
        if cp < 0x80:
            out.append(cp)
        else:
            out += bytes([0xC0]) + cp.to_bytes(3, "big")
    return bytes(out)


def event(id_, type_, board_id, path_id, complete, board_name, username):
    return (bytes([0]) + i64(id_) + bytes([TYPES.index(type_)]) +
            i64(board_id) + i64(path_id) + bytes([1 if complete else 0]) +
            text(board_name) + text(username))


def any_json(id_, name, value):
    raw = json.dumps(value, ensure_ascii=False).encode()
    return bytes([1]) + i64(id_) + text(name) + struct.pack("<H", len(raw)) + raw


def reset(oldest):
    return bytes([2]) + i64(oldest)


def comment(s):
    return bytes([3]) + text(s)


def retry(ms):
    return bytes([4]) + i32(ms)


def bare_id(id_):
    return bytes([5]) + i64(id_)


def message(id_, s):
    return bytes([6]) + i64(id_) + text(s)


SEEDS = {
    # What a fresh stream opens with, then one event.
    "fresh_stream": retry(3000) + bare_id(41) +
    event(42, "newBoard", 7, 0, False, "Starter", "alice"),
    # Every event of the spec's table.
    "every_event": event(1, "newBoard", 1, 0, False, "One", "alice") +
    event(2, "newPath", 1, 3, False, "One", "bob") +
    event(3, "pathUpdated", 1, 3, True, "One", "bob") +
    event(4, "boardUpdated", 1, 0, False, "One again", "alice") +
    event(5, "boardDeleted", 1, 0, False, "One again", "alice"),
    # Names that break line-based formats and naive escaping.
    "name_line_breaks": event(9, "newBoard", 2, 0, False,
                              "first\nsecond\rthird\r\nfourth", "carol"),
    "name_unicode_separators": event(10, "boardUpdated", 2, 0, False,
                                     "a\u2028b\u2029c\u0085d", "carol"),
    "name_nul_bom_quotes": event(11, "newPath", 2, 5, False,
                                 "\u0000\ufeff\"quoted\" \\ back",
                                 "dave"),
    "name_emoji_cjk": event(12, "pathUpdated", 2, 5, True,
                            "\u540d\u524d \U0001F600 \u00e9t\u00e9", "dave"),
    "name_field_injection": event(13, "newBoard", 3, 0, False,
                                  "x\n\ndata: injected\nid: 999\n\n",
                                  "eve"),
    # Keep-alives and resets between events: no id change.
    "keepalive_reset": event(20, "newBoard", 4, 0, False, "Four", "fred") +
    comment("keep-alive") + reset(15) + comment("x\ny") +
    event(21, "boardDeleted", 4, 0, False, "Four", "fred"),
    # Payloads that are any JSON, under any event name.
    "any_json": any_json(30, "custom", {"k": ["\u2028", None, 1.5, -0.0,
                                              {"nested": "\r\n"}]}) +
    any_json(31, "", "just a string") +
    any_json(32, "two\nlines", [1, 2, 3]),
    # Text data with every kind of line break, and ids at the edges.
    "text_data": message(0, "a\r\nb\rc\nd") + message(-1, "") +
    message(2**63 - 1, "\n") + bare_id(-(2**63)),
    "retry_negative": retry(-5) + retry(0) + retry(2**31 - 1),
}


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else
                       pathlib.Path(__file__).parent / "corpus" / "sse_frame")
    out.mkdir(parents=True, exist_ok=True)
    for name, data in SEEDS.items():
        (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
