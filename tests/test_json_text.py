"""JSON columns, as SQLite's text or psycopg's bytes, decode to what the standard library's decoder gives (runyard.store.json_text)."""

from __future__ import annotations

import json
import math
import random

import pytest

from runyard.store.json_text import loads


@pytest.mark.parametrize(
    "text",
    [
        "18446744073709551616",  # 2**64: orjson alone gives a float
        "-9223372036854775809",
        '{"n": 123456789012345678901234567890}',
        '[1, 2.5, "x", null, true, {"a": [false]}]',
        '"\\ud800"',  # a lone surrogate: orjson refuses it
        "NaN",
        "-Infinity",
        "1E400",
        "-0.0",
        '{"a": 1, "a": 2}',
    ],
)
@pytest.mark.parametrize("as_bytes", [False, True], ids=["text", "bytes"])
def test_a_column_decodes_as_the_standard_decoder_decodes_it(text: str, as_bytes: bool) -> None:
    expected = json.loads(text)
    got = loads(text.encode() if as_bytes else text)
    if isinstance(expected, float) and math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected
        assert type(got) is type(expected)
        assert repr(got) == repr(expected)


def test_random_numbers_decode_to_the_same_values() -> None:
    rng = random.Random(17)
    for _ in range(2000):
        number = rng.choice([rng.uniform(-1e6, 1e6), rng.random() * 10 ** rng.randint(-300, 300), rng.randint(-(2**70), 2**70)])
        text = json.dumps({"v": number, "tags": ["a", str(number)]})
        assert repr(loads(text)) == repr(json.loads(text))
        assert repr(loads(text.encode())) == repr(json.loads(text))


def test_postgresql_json_columns_decode_past_64_bits_exactly(pg_url: str) -> None:
    # The driver's connections decode JSON with json_text.loads (runyard.store.driver._configure).
    import asyncio

    from runyard.store.driver import PostgresStatements

    async def read() -> object:
        statements = PostgresStatements(pg_url.replace("postgresql+psycopg://", "postgresql://"), wait_seconds=5, max_size=1, options="")
        try:
            row = await statements.one("SELECT CAST(? AS json), CAST(? AS jsonb)", ['["\\ud800", 1.5]', json.dumps({"n": 2**70, "f": 0.1})])
        finally:
            await statements.close()
        return row

    json_column, jsonb_column = asyncio.run(read())  # type: ignore[misc]

    assert json_column == ["\ud800", 1.5]  # orjson refuses a lone surrogate: the standard decoder reads it
    assert jsonb_column == {"n": 2**70, "f": 0.1}
    assert type(jsonb_column["n"]) is int  # where orjson alone gives a float
