"""Images and documents are counted by pixels and pages, never by base64 length."""

from __future__ import annotations

import pytest

from promptcop.tokens import images
from promptcop.tokens.counter import TokenCounter

from .imagedata import b64, gif, jpeg, pdf, png, webp_vp8, webp_vp8l, webp_vp8x


@pytest.mark.parametrize(
    "data",
    [
        png(640, 480),
        gif(640, 480),
        jpeg(640, 480),
        jpeg(640, 480, exif=50_000),  # size only after a large EXIF block
        webp_vp8x(640, 480),
        webp_vp8l(640, 480),
        webp_vp8(640, 480),
    ],
    ids=["png", "gif", "jpeg", "jpeg-exif", "webp-vp8x", "webp-vp8l", "webp-vp8"],
)
def test_image_size_from_header(data: bytes) -> None:
    assert images.image_size(b64(data)) == (640, 480)
    assert images.image_size("data:image/x;base64," + b64(data)) == (640, 480)


def test_image_size_of_garbage_is_none() -> None:
    assert images.image_size(b64(b"not an image at all")) is None
    assert images.image_size("%%%not base64%%%") is None


@pytest.mark.parametrize(
    ("size", "tokens"),
    [
        ((1000, 1000), 1334),  # API_FACTS.md 2.10 example
        ((1092, 1092), 1590),  # API_FACTS.md 2.10 example
        ((200, 100), 27),
        ((8000, 6000), 1600),  # downscaled to the cap
        ((3000, 200), 219),  # long edge 3000 -> 1568: 1568 x 104.5 px
        (None, images.ANTHROPIC_UNKNOWN_IMAGE_TOKENS),
    ],
)
def test_anthropic_image_tokens(size: tuple[int, int] | None, tokens: int) -> None:
    assert images.anthropic_image_tokens(size) == tokens


@pytest.mark.parametrize(
    ("size", "detail", "tokens"),
    [
        ((1024, 1024), "high", 765),  # OpenAI vision guide examples (unverified)
        ((2048, 4096), "high", 1105),
        ((4096, 8192), "low", 85),
        ((500, 500), "auto", 255),
    ],
)
def test_openai_tile_formula(size: tuple[int, int], detail: str, tokens: int) -> None:
    assert images.openai_image_tokens(size, detail, "gpt-4o") == tokens


def _image_message(data: bytes) -> dict[str, object]:
    source = {"type": "base64", "media_type": "image/png", "data": b64(data)}
    return {"role": "user", "content": [{"type": "image", "source": source}]}


def test_claude_counts_pixels_not_base64_length() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    small = counter.message(_image_message(png(200, 100)))
    huge = counter.message(_image_message(png(200, 100, payload=2_000_000)))
    assert small == huge  # 2.7 MB of base64 more, same pixels, same count
    assert huge < 100
    bigger = counter.message(_image_message(png(1000, 1000)))
    assert bigger - small == 1334 - 27


def test_image_inside_tool_result_is_counted_by_pixels() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    block = _image_message(png(1000, 1000, payload=500_000))["content"][0]  # type: ignore[index]
    with_image = {
        "role": "user",
        "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [block]}],
    }
    without = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1"}]}
    assert counter.message(with_image) - counter.message(without) == 1334


def test_url_image_gets_the_conservative_default() -> None:
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)
    url = {"type": "url", "url": "https://example.com/cat.png"}
    message = {"role": "user", "content": [{"type": "image", "source": url}]}
    empty = {"role": "user", "content": []}
    assert counter.message(message) - counter.message(empty) == images.ANTHROPIC_MAX_IMAGE_TOKENS


def test_openai_image_url_detail() -> None:
    counter = TokenCounter("gpt-4o")
    data_uri = "data:image/png;base64," + b64(png(1024, 1024, payload=300_000))

    def msg(detail: str) -> dict[str, object]:
        part = {"type": "image_url", "image_url": {"url": data_uri, "detail": detail}}
        return {"role": "user", "content": [part]}

    empty = counter.message({"role": "user", "content": []})
    assert counter.message(msg("low")) - empty == 85
    assert counter.message(msg("high")) - empty == 765


def test_pdf_pages_and_tokens() -> None:
    assert images.pdf_pages(b64(pdf(3))) == 3
    assert images.pdf_pages(b64(b"hello")) is None
    counter = TokenCounter("claude-sonnet-4-6", use_ctok=False)

    def doc(source: dict[str, str]) -> dict[str, object]:
        return {"role": "user", "content": [{"type": "document", "source": source}]}

    empty = counter.message({"role": "user", "content": []})
    three = doc({"type": "base64", "media_type": "application/pdf", "data": b64(pdf(3))})
    assert counter.message(three) - empty == 3 * images.PDF_TOKENS_PER_PAGE
    by_url = doc({"type": "url", "url": "https://example.com/a.pdf"})
    unknown = images.PDF_UNKNOWN_PAGES * images.PDF_TOKENS_PER_PAGE
    assert counter.message(by_url) - empty == unknown
    plain = doc({"type": "text", "media_type": "text/plain", "data": "hello world " * 50})
    assert 0 < counter.message(plain) - empty < 200
