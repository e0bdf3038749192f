"""Run metadata: a JSON object a run carries, set when it is triggered and changed by operations,
as Trigger.dev's SDK sends them (`metadata.set/del/append/remove/increment/decrement/replace`).

    {"type": "set", "key": K, "value": V}        key K becomes V
    {"type": "delete", "key": K}                 key K goes
    {"type": "append", "key": K, "value": V}     V is added to the list at K (a value there becomes [value, V])
    {"type": "remove", "key": K, "value": V}     every item equal to V leaves the list at K
    {"type": "increment", "key": K, "value": N}  K becomes its number (0 if none) plus N
    {"type": "update", "value": {...}}           the whole metadata is replaced

A key starting with `$.` is a path into nested objects and lists (`$.progress.done`, `$.items[0]`);
any other key names a top-level key. The result must stay a JSON object of at most 256 KiB.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
from typing import Any

from runyard.domain.errors import InvalidInput, RunyardError

MAX_METADATA_BYTES = 256 * 1024  # Trigger.dev's default (TASK_RUN_METADATA_MAXIMUM_SIZE)
FORBIDDEN_SEGMENTS = {"__proto__", "constructor", "prototype"}
_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


class MetadataTooLarge(RunyardError, ValueError):
    def __init__(self, size: int) -> None:
        super().__init__(f"Metadata exceeds maximum size of {MAX_METADATA_BYTES} bytes")
        self.size = size


def metadata_size(metadata: Any) -> int:
    return len(json.dumps(metadata, separators=(",", ":"), ensure_ascii=False).encode())


def check_size(metadata: Any) -> None:
    size = metadata_size(metadata)
    if size > MAX_METADATA_BYTES:
        raise MetadataTooLarge(size)


def _path(key: str) -> list[str | int]:
    """The segments of a key: one top-level name, or a `$.` path."""
    if not key.startswith("$."):
        segments: list[str | int] = [key]
    else:
        rest = key[1:]
        segments = []
        position = 0
        for match in _SEGMENT.finditer(rest):
            if match.start() != position:
                raise InvalidInput("key", f"Invalid metadata path {key!r}")
            segments.append(match.group(1) if match.group(1) is not None else int(match.group(2)))
            position = match.end()
        if position != len(rest) or not segments:
            raise InvalidInput("key", f"A JSON path key must name a segment below $: {key!r}")
    if any(segment in FORBIDDEN_SEGMENTS for segment in segments):
        raise InvalidInput("key", "Metadata key may not reference __proto__, constructor, or prototype")
    return segments


def _parent(root: dict[str, Any], segments: list[str | int], create: bool) -> tuple[Any, str | int] | None:
    """The container holding the last segment (made on the way when `create`), or None."""
    node: Any = root
    for segment, following in itertools.pairwise(segments):
        if isinstance(node, dict) and isinstance(segment, str):
            if segment not in node or not isinstance(node[segment], (dict, list)):
                if not create:
                    return None
                node[segment] = [] if isinstance(following, int) else {}
            node = node[segment]
        elif isinstance(node, list) and isinstance(segment, int) and segment < len(node):
            node = node[segment]
        else:
            return None
    return node, segments[-1]


def _get(root: dict[str, Any], segments: list[str | int]) -> Any:
    found = _parent(root, segments, create=False)
    if found is None:
        return None
    node, last = found
    if isinstance(node, dict) and isinstance(last, str):
        return node.get(last)
    if isinstance(node, list) and isinstance(last, int) and last < len(node):
        return node[last]
    return None


def _set(root: dict[str, Any], segments: list[str | int], value: Any) -> None:
    found = _parent(root, segments, create=True)
    if found is None:
        return  # a path through something that is not an object or list: nothing to set
    node, last = found
    if isinstance(node, dict) and isinstance(last, str):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int):
        if last < len(node):
            node[last] = value
        elif last == len(node):
            node.append(value)


def _delete(root: dict[str, Any], segments: list[str | int]) -> None:
    found = _parent(root, segments, create=False)
    if found is None:
        return
    node, last = found
    if isinstance(node, dict) and isinstance(last, str):
        node.pop(last, None)
    elif isinstance(node, list) and isinstance(last, int) and last < len(node):
        del node[last]


def apply_operations(metadata: dict[str, Any] | None, operations: list[dict[str, Any]]) -> dict[str, Any]:
    """The metadata after the operations, in order (the input is left as it was)."""
    result: dict[str, Any] = copy.deepcopy(metadata) if metadata else {}
    for operation in operations:
        kind = operation.get("type")
        if kind == "update":
            value = operation.get("value")
            if not isinstance(value, dict):
                raise InvalidInput("value", "An update operation's value must be an object")
            result = copy.deepcopy(value)
            continue
        key = operation.get("key")
        if not isinstance(key, str):
            raise InvalidInput("key", f"A {kind} operation needs a key")
        segments = _path(key)
        if kind == "set":
            _set(result, segments, copy.deepcopy(operation.get("value")))
        elif kind == "delete":
            _delete(result, segments)
        elif kind == "append":
            current = _get(result, segments)
            added = copy.deepcopy(operation.get("value"))
            _set(result, segments, [*current, added] if isinstance(current, list) else [added] if current is None else [current, added])
        elif kind == "remove":
            current = _get(result, segments)
            if isinstance(current, list):
                _set(result, segments, [item for item in current if item != operation.get("value")])
        elif kind == "increment":
            amount = operation.get("value")
            if not isinstance(amount, (int, float)) or isinstance(amount, bool):
                raise InvalidInput("value", "An increment operation's value must be a number")
            current = _get(result, segments)
            base = current if isinstance(current, (int, float)) and not isinstance(current, bool) else 0
            _set(result, segments, base + amount)
        else:
            raise InvalidInput("type", f"Unknown metadata operation {kind!r}: use set, delete, append, remove, increment or update")
    return result
