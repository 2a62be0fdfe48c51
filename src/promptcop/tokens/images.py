"""Image and document sizes read cheaply from their header bytes, and what they cost in tokens.

Vision models bill images by pixels, not by the length of their base64 text:
counting a 2 MB PNG as text would claim ~700k tokens for what costs ~1,600.
So we decode only the few header bytes that hold width and height (PNG, GIF,
WebP, JPEG) and apply each provider's formula.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import struct

# Anthropic (API_FACTS.md 2.10, unverified third-party quotes of the vision page):
# tokens ~= width * height / 750, after a resize that keeps the long edge <= 1568 px
# and the image at most ~1,600 tokens (the page's 1092x1092 -> ~1590 example fits,
# so the pixel cap is 1600 * 750 = 1.2 MP).
ANTHROPIC_PIXELS_PER_TOKEN = 750
ANTHROPIC_MAX_LONG_EDGE = 1568
ANTHROPIC_MAX_IMAGE_TOKENS = 1600
# An image whose size we cannot see (a URL, a file id, a corrupt header) is
# assumed to be as large as the API allows: counting high keeps a budget safe.
ANTHROPIC_UNKNOWN_IMAGE_TOKENS = ANTHROPIC_MAX_IMAGE_TOKENS

# OpenAI tile formula (OpenAI vision guide, "Calculating costs"; unverified here,
# recalled from the guide, not re-read in this pass): detail "low" costs the base;
# "high" fits the image in 2048x2048, scales the short side down to 768, then
# costs base + per_tile * (number of 512 px tiles). "auto" is counted as "high".
_OPENAI_TILE_COSTS: tuple[tuple[str, int, int], ...] = (
    ("gpt-4o-mini", 2833, 5667),
    ("gpt-5", 70, 140),
    ("", 85, 170),  # gpt-4o, gpt-4.1, gpt-4.5, o1, o3 and older vision models
)
# Patch-based models (32 px patches, at most 1536, times a per-model multiplier); same source.
_OPENAI_PATCH_MULTIPLIERS: tuple[tuple[str, float], ...] = (
    ("gpt-4.1-mini", 1.62),
    ("gpt-4.1-nano", 2.46),
    ("gpt-5-mini", 1.62),
    ("gpt-5-nano", 2.46),
    ("o4-mini", 1.72),
)
_OPENAI_MAX_PATCHES = 1536
# Unknown size under "high": assume a 2048x2048 image (the largest the formula keeps).
_OPENAI_UNKNOWN_SIZE = (2048, 2048)

# PDFs: the Anthropic PDF guide says each page costs about 1,500-3,000 text tokens
# plus the page rendered as an image (unverified: recalled from that guide). We take
# the top of the text range plus a full-size page image, so a budget stays safe.
PDF_TOKENS_PER_PAGE = 3000 + ANTHROPIC_MAX_IMAGE_TOKENS
# A PDF we cannot open (URL, file id, unreadable bytes) is assumed to have 10 pages.
PDF_UNKNOWN_PAGES = 10

_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_PDF_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", re.DOTALL)


def _b64_prefix(data: str, n_chars: int) -> bytes:
    """Decode about the first ``n_chars`` base64 characters (whitespace tolerated)."""
    chunk = re.sub(r"\s+", "", data[: n_chars + n_chars // 32 + 8])
    chunk = chunk[: len(chunk) - len(chunk) % 4]
    try:
        return base64.b64decode(chunk)
    except (binascii.Error, ValueError):
        return b""


def strip_data_uri(data: str) -> str:
    """``data:image/png;base64,XXXX`` -> ``XXXX``; anything else unchanged."""
    if data.startswith("data:"):
        return data.partition(",")[2]
    return data


def image_size(data_b64: str) -> tuple[int, int] | None:
    """(width, height) from a base64 PNG, GIF, WebP or JPEG, decoding only its header.

    JPEG keeps its size in a frame header that may follow large EXIF blocks, so
    we decode a growing prefix until it appears. None when the bytes are not an
    image we know.
    """
    data_b64 = strip_data_uri(data_b64)
    for n_chars in (64, 4096, 65536, len(data_b64)):
        head = _b64_prefix(data_b64, n_chars)
        size, need_more = _size_from_bytes(head)
        if size is not None or not need_more or n_chars >= len(data_b64):
            return size
    return None


def _size_from_bytes(head: bytes) -> tuple[tuple[int, int] | None, bool]:
    """(size or None, whether more bytes could help)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        if len(head) < 24:
            return None, True
        w, h = struct.unpack(">II", head[16:24])
        return (w, h), False
    if head[:6] in (b"GIF87a", b"GIF89a"):
        if len(head) < 10:
            return None, True
        w, h = struct.unpack("<HH", head[6:10])
        return (w, h), False
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp_size(head)
    if head[:2] == b"\xff\xd8":
        return _jpeg_size(head)
    return None, False


def _webp_size(head: bytes) -> tuple[tuple[int, int] | None, bool]:
    if len(head) < 30:
        return None, True
    kind = head[12:16]
    if kind == b"VP8X":
        w = 1 + int.from_bytes(head[24:27], "little")
        h = 1 + int.from_bytes(head[27:30], "little")
        return (w, h), False
    if kind == b"VP8L":
        bits = int.from_bytes(head[21:25], "little")
        return ((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1), False
    if kind == b"VP8 ":
        w, h = struct.unpack("<HH", head[26:30])
        return (w & 0x3FFF, h & 0x3FFF), False
    return None, False


def _jpeg_size(head: bytes) -> tuple[tuple[int, int] | None, bool]:
    i = 2
    while i + 4 <= len(head):
        if head[i] != 0xFF:
            return None, False
        marker = head[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        length = int.from_bytes(head[i + 2 : i + 4], "big")
        if marker in _JPEG_SOF:
            if i + 9 > len(head):
                return None, True
            h, w = struct.unpack(">HH", head[i + 5 : i + 9])
            return (w, h), False
        i += 2 + length
    return None, True


def anthropic_image_tokens(size: tuple[int, int] | None) -> int:
    """Tokens of one image for Claude, by pixels after the API's downscale."""
    if size is None:
        return ANTHROPIC_UNKNOWN_IMAGE_TOKENS
    w, h = size
    if w <= 0 or h <= 0:
        return ANTHROPIC_UNKNOWN_IMAGE_TOKENS
    scale = min(1.0, ANTHROPIC_MAX_LONG_EDGE / max(w, h))
    w2, h2 = w * scale, h * scale
    cap = ANTHROPIC_MAX_IMAGE_TOKENS * ANTHROPIC_PIXELS_PER_TOKEN
    if w2 * h2 > cap:
        shrink = math.sqrt(cap / (w2 * h2))
        w2, h2 = w2 * shrink, h2 * shrink
    return min(ANTHROPIC_MAX_IMAGE_TOKENS, math.ceil(w2 * h2 / ANTHROPIC_PIXELS_PER_TOKEN))


def openai_image_tokens(size: tuple[int, int] | None, detail: str, model: str) -> int:
    """Tokens of one image for an OpenAI model (tile or patch formula, unverified)."""
    m = model.lower()
    for prefix, multiplier in _OPENAI_PATCH_MULTIPLIERS:
        if m.startswith(prefix):
            w, h = size or _OPENAI_UNKNOWN_SIZE
            patches = math.ceil(w / 32) * math.ceil(h / 32)
            if patches > _OPENAI_MAX_PATCHES:
                shrink = math.sqrt(_OPENAI_MAX_PATCHES * 32 * 32 / (w * h))
                patches = min(
                    _OPENAI_MAX_PATCHES, math.ceil(w * shrink / 32) * math.ceil(h * shrink / 32)
                )
            return math.ceil(patches * multiplier)
    base, per_tile = next((b, t) for p, b, t in _OPENAI_TILE_COSTS if m.startswith(p))
    if detail == "low":
        return base
    w, h = size or _OPENAI_UNKNOWN_SIZE
    if w <= 0 or h <= 0:
        w, h = _OPENAI_UNKNOWN_SIZE
    fit = min(1.0, 2048 / max(w, h))
    w2, h2 = w * fit, h * fit
    short = min(w2, h2)
    if short > 768:
        w2, h2 = w2 * 768 / short, h2 * 768 / short
    tiles = math.ceil(w2 / 512) * math.ceil(h2 / 512)
    return base + per_tile * tiles


def pdf_pages(data_b64: str) -> int | None:
    """Page count of a base64 PDF, or None when it cannot be read.

    Decodes the whole file (C speed, and the caller memoises per message) and
    reads the page tree's ``/Count``; falls back to counting ``/Type /Page``
    objects. Compressed object streams can hide both: then None.
    """
    try:
        raw = base64.b64decode(re.sub(r"\s+", "", strip_data_uri(data_b64)))
    except (binascii.Error, ValueError):
        return None
    if not raw.startswith(b"%PDF"):
        return None
    counts = [int(c) for c in _PDF_COUNT.findall(raw)]
    if counts:
        return max(counts)
    pages = len(_PDF_PAGE.findall(raw))
    return pages or None


def pdf_tokens(pages: int | None) -> int:
    """Conservative tokens of a PDF document block (see PDF_TOKENS_PER_PAGE)."""
    return PDF_TOKENS_PER_PAGE * (pages if pages is not None else PDF_UNKNOWN_PAGES)
