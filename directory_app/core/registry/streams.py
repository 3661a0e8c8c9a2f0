"""Streaming text input for registry files: UTF-8 decoding that can say *where* a bad byte is,
and a JSON reader that yields the studies of a big page one at a time.

Registry downloads can be large (a full ClinicalTrials.gov export runs to gigabytes), so the
importer never reads a whole file into memory. The JSON reader understands just enough of the
top level — an array, or an object whose "studies" member is an array — to hand out one element
at a time; every element itself is parsed by the standard library's `json` decoder. Anything
else at the top level (a single study object) is assembled member by member, which costs the
size of that one study.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from directory_app.core.registry.limits import MAX_RECORD_CHARS

CHUNK_SIZE = 1 << 16
#: A single JSON value larger than this is reported as an error rather than buffered further.
MAX_VALUE_CHARS = MAX_RECORD_CHARS
_BLANKS = re.compile(r"[ \t\r\n]*")
BOM = "\ufeff"


class DecodeError(ValueError):
    """Bytes that are not UTF-8, with the absolute byte offset of the first bad byte."""

    def __init__(self, offset: int, byte: int) -> None:
        super().__init__(f"not valid UTF-8 at byte {offset} (0x{byte:02x})")
        self.offset = offset
        self.byte = byte


class JsonSyntaxError(ValueError):
    """Malformed JSON, with the 1-based line where the parser gave up."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"invalid JSON at line {line}: {message}")
        self.line = line
        self.message = message


def byte_chunks(stream: IO[bytes], head: bytes = b"") -> Iterator[bytes]:
    """Yield `head` (bytes already read for sniffing) and then the rest of `stream`."""
    if head:
        yield head
    while chunk := stream.read(CHUNK_SIZE):
        yield chunk


class LineTooLong(ValueError):
    """A line longer than the reader's cap: no real record is that long, so the file is refused
    before the line is held in memory whole."""

    def __init__(self, offset: int, limit: int) -> None:
        super().__init__(f"a line starting at byte {offset} runs past {limit:,} bytes")
        self.offset = offset
        self.limit = limit


def decode_lines(chunks: Iterable[bytes], max_line: int | None = None) -> Iterator[str]:
    """Split UTF-8 bytes into text lines (ends kept, BOM dropped); bad bytes raise DecodeError,
    a line longer than `max_line` bytes raises LineTooLong as soon as it gets that long.

    Splitting on b"\\n" before decoding is safe because that byte never occurs inside a UTF-8
    multi-byte sequence, and it lets the error carry an exact byte offset.
    """
    offset = 0
    pending: list[bytes] = []  # pieces of a line not yet ended, kept apart to avoid re-copying
    pending_size = 0
    first = True
    for chunk in chunks:
        if b"\n" not in chunk:
            pending.append(chunk)
            pending_size += len(chunk)
            if max_line is not None and pending_size > max_line:
                raise LineTooLong(offset, max_line)
            continue
        lines = (b"".join(pending) + chunk).split(b"\n")
        tail = lines.pop()
        pending, pending_size = [tail], len(tail)
        for raw in lines:
            if max_line is not None and len(raw) > max_line:
                raise LineTooLong(offset, max_line)
            text = _decode(raw + b"\n", offset)
            offset += len(raw) + 1
            if first:
                text, first = text.removeprefix(BOM), False
            yield text
    if pending_size:
        text = _decode(b"".join(pending), offset)
        yield text.removeprefix(BOM) if first else text


def _decode(raw: bytes, offset: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(offset + exc.start, raw[exc.start]) from None


def decode_chunks(chunks: Iterable[bytes]) -> Iterator[str]:
    """Decode UTF-8 chunks incrementally (BOM dropped); bad bytes raise DecodeError."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    first = True
    for chunk in chunks:
        # The decoder keeps an incomplete trailing sequence between calls and reports errors
        # relative to (kept bytes + chunk), so offsets are counted from where the kept bytes began.
        start = offset - len(decoder.getstate()[0])
        try:
            text = decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            raise DecodeError(start + exc.start, exc.object[exc.start]) from None
        offset += len(chunk)
        if first and text:
            text, first = text.removeprefix(BOM), False
        if text:
            yield text
    start = offset - len(decoder.getstate()[0])
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as exc:
        raise DecodeError(start + exc.start, exc.object[exc.start]) from None


#: A \\uD800-\\uDFFF escape. Legal JSON, but one left unpaired decodes to text that cannot be
#: written as UTF-8 - not to the database, not to an export.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
UNPAIRED_SURROGATE = "text holds an unpaired \\uD800-\\uDFFF escape (not a character)"


def has_unpaired_surrogate(raw: str, value: Any, start: int = 0, end: int | None = None) -> bool:
    """Whether JSON text `raw[start:end]`, decoded to `value`, left a lone surrogate in it.
    Surrogate escapes are rare, so the value is only re-checked when the text has one."""
    if not _SURROGATE_ESCAPE.search(raw, start, len(raw) if end is None else end):
        return False
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    except (ValueError, RecursionError):
        return False
    return False


class _Reader:
    """A growable window over a stream of text, consumed from the left."""

    _decoder = json.JSONDecoder()

    def __init__(self, texts: Iterator[str]) -> None:
        self._texts = texts
        self._buf = ""
        self._pos = 0
        self._lines_before = 0  # newlines in text already discarded from the window
        self._eof = False

    def _fill(self, at_least: int = 1) -> bool:
        """Append at least `at_least` more characters (fewer at end of stream)."""
        if self._pos:
            self._lines_before += self._buf.count("\n", 0, self._pos)
            self._buf = self._buf[self._pos :]
            self._pos = 0
        added = 0
        while added < at_least:
            text = next(self._texts, None)
            if text is None:
                self._eof = True
                break
            self._buf += text
            added += len(text)
        return added > 0

    def _line(self, pos: int) -> int:
        return self._lines_before + self._buf.count("\n", 0, pos) + 1

    def error(self, message: str, pos: int | None = None) -> JsonSyntaxError:
        return JsonSyntaxError(self._line(self._pos if pos is None else pos), message)

    def peek(self) -> str:
        """The next non-blank character ('' at end of input), without consuming it."""
        while True:
            buf = self._buf
            pos = self._pos = _BLANKS.match(buf, self._pos).end()  # type: ignore[union-attr]
            if pos < len(buf):
                return buf[pos]
            if not self._fill():
                return ""

    def take(self, expected: str) -> None:
        if self.peek() == "":
            raise self.error(f"the file ends where {expected!r} was expected (cut short)")
        if self.peek() != expected:
            found = self.peek()
            raise self.error(f"expected {expected!r}, found {found!r}")
        self._pos += 1

    def value(self) -> Any:
        """Decode one complete JSON value, reading more input until it is whole."""
        self.peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                if self._eof and _ends_early(exc, self._buf):
                    message = f"{exc.msg}; the file ends early (cut short)"
                    raise self.error(message, exc.pos) from None
                if self._eof or len(self._buf) - self._pos > MAX_VALUE_CHARS:
                    raise self.error(exc.msg, exc.pos) from None
                held = len(self._buf) - self._pos  # double the window, never far past the cap
                self._fill(max(CHUNK_SIZE, min(held, MAX_VALUE_CHARS + CHUNK_SIZE - held)))
                continue
            except RecursionError:
                raise self.error("lists or objects nested too deeply") from None
            except ValueError as exc:  # e.g. an integer longer than Python converts (4300 digits)
                raise self.error(str(exc).split(";")[0]) from None
            # A number cut off at the window's edge decodes "successfully"; make sure it isn't.
            if end == len(self._buf) and not self._eof and self._fill():
                continue
            if has_unpaired_surrogate(self._buf, value, self._pos, end):
                raise self.error(UNPAIRED_SURROGATE)
            self._pos = end
            return value

    def array_items(self) -> Iterator[Any]:
        """Yield the elements of the array whose '[' was just consumed."""
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            nxt = self.peek()
            if nxt == "]":
                self._pos += 1
                return
            self.take(",")


def _ends_early(exc: json.JSONDecodeError, buf: str) -> bool:
    """Whether the decoder gave up because the text stopped, not because of a wrong character."""
    return exc.msg.startswith("Unterminated") or exc.pos >= len(buf.rstrip()) - 1


def iter_json_records(texts: Iterable[str], array_key: str = "studies") -> Iterator[Any]:
    """Yield the records of a JSON document one by one.

    A top-level array yields its elements; a top-level object with an `array_key` array member
    yields that array's elements (other members, such as "nextPageToken", are read and
    dropped); any other top-level object is itself the one record. Raises JsonSyntaxError.
    """
    reader = _Reader(iter(texts))
    first = reader.peek()
    if first == "[":
        reader.take("[")
        yield from reader.array_items()
    elif first == "{":
        reader.take("{")
        members: dict[str, Any] = {}
        paged = False
        while reader.peek() != "}":
            if members or paged:
                reader.take(",")
            key = reader.value()
            if not isinstance(key, str):
                raise reader.error("object keys must be strings")
            reader.take(":")
            if key == array_key and reader.peek() == "[":
                reader.take("[")
                paged = True
                yield from reader.array_items()
            else:
                members[key] = reader.value()
        reader.take("}")
        if not paged:
            yield members
    elif first == "":
        raise reader.error("the file is empty")
    else:
        raise reader.error("expected a JSON object or array at the top level")
    if reader.peek() != "":
        raise reader.error("unexpected data after the end of the JSON document")
