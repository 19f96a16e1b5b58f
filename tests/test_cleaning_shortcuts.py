"""Shortcuts of the cleaner give exactly what the long way gives (they only skip work)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tasks.cleaning import _ADDRESS, _without_addresses

ADDRESS_LINES = [
    "Аккаунт: @evgenialevi",
    "Follow us at https://example.com/news now",
    "Visit www.example.org for more",
    "Write to jane.doe@example.com",
    "HTTP://EXAMPLE.COM in capitals",
    "WWW.EXAMPLE.COM in capitals",
    "No address in this line at all",
    "",
]


@pytest.mark.parametrize("line", ADDRESS_LINES)
def test_without_addresses_is_the_substitution(line):
    assert _without_addresses(line) == _ADDRESS.sub(" ", line)


@given(st.text(alphabet=st.sampled_from("ab @:/.wthps\u0430"), max_size=40))
def test_without_addresses_on_generated_lines(line):
    assert _without_addresses(line) == _ADDRESS.sub(" ", line)
