"""SQLite's JSON columns decode to what the standard library's decoder gives (runyard.store.json_text)."""

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
def test_a_column_decodes_as_the_standard_decoder_decodes_it(text: str) -> None:
    expected = json.loads(text)
    got = loads(text)
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
