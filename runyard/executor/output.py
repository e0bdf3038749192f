"""The tail of a stream: the last bytes of a job's output, kept within a bound."""

from __future__ import annotations


class Tail:
    def __init__(self, limit: int = 64 * 1024) -> None:
        self.limit = limit
        self._buffer = bytearray()

    def add(self, chunk: bytes) -> None:
        self._buffer += chunk
        if len(self._buffer) > self.limit:
            del self._buffer[: len(self._buffer) - self.limit]

    def text(self) -> str:
        return self._buffer.decode("utf-8", errors="replace")

    def last_line(self) -> str | None:
        lines = [line for line in self.text().splitlines() if line.strip()]
        return lines[-1].strip() if lines else None
