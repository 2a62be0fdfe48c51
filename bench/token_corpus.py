"""The calibration corpus for promptcop.tokens: varied text, nothing downloaded.

Every document comes from this machine or from a seeded generator, so two
runs measure the same bytes:

- prose: the Python reference documentation shipped in the stdlib
  (``pydoc_data.topics``) and README text of installed packages (dist-info METADATA);
- code_python: stdlib modules; code_c: CPython's C headers (when installed);
- json: seeded synthetic API payloads, compact and indented;
- tool_schemas: seeded synthetic tool definitions, serialised as the
  Anthropic API shows them (JSON of name, description, input_schema);
- tool_output: seeded synthetic shell/test/log output, as agents feed back;
- non_english: ``token_samples.NON_ENGLISH`` (written for this bench; 19 languages);
- ui_translations: translated messages of this machine's gettext catalogs
  (/usr/share/locale/<lang>/LC_MESSAGES/{glib20,PackageKit,Linux-PAM}.mo) in 28
  languages; the kind is left out when the catalogs are not installed.

``python bench/token_corpus.py`` prints the size of each kind.
"""

from __future__ import annotations

import gettext
import importlib.util
import json
import random
import sys
import sysconfig
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from token_samples import NON_ENGLISH

DOC_CHARS = 3000  # split long sources into message-sized documents

_STDLIB_MODULES = (
    "textwrap", "argparse", "difflib", "dataclasses", "json.decoder", "json.encoder",
    "csv", "shutil", "tempfile", "configparser", "heapq", "bisect", "fractions",
    "string", "pathlib", "logging.handlers", "http.cookiejar", "email.utils",
)  # fmt: skip
_PACKAGES_WITH_READMES = (
    "anthropic", "openai", "hypothesis", "pydantic", "libcst", "click", "jsonschema",
    "requests", "attrs", "pytest", "tiktoken", "ctok", "pre_commit", "mypy",
)  # fmt: skip
_WORDS = " ".join(
    (
        "user account order invoice payment shipment address customer product item price",
        "quantity status created updated deleted region warehouse ticket priority owner",
        "project task comment label repository branch commit file path line column error",
        "message query result page limit offset cursor token session device location city",
        "country currency amount discount tax total description title name email phone",
    )
).split()


def _chunks(text: str, size: int = DOC_CHARS) -> Iterator[str]:
    """Split at line ends near ``size`` characters (documents stay message-sized)."""
    start = 0
    while start < len(text):
        end = text.rfind("\n", start + size // 2, start + size)
        end = start + size if end == -1 or len(text) - start <= size else end + 1
        piece = text[start:end]
        if piece.strip():
            yield piece
        start = end


def prose() -> list[str]:
    from pydoc_data.topics import topics

    docs: list[str] = []
    for key in sorted(topics):
        docs.extend(_chunks(topics[key]))
    for name in _PACKAGES_WITH_READMES:
        try:
            raw = metadata.distribution(name).read_text("METADATA") or ""
        except metadata.PackageNotFoundError:
            continue
        body = raw.partition("\n\n")[2]  # the long description follows the headers
        if len(body) > 500:
            docs.extend(_chunks(body))
    return docs


def code_python() -> list[str]:
    docs: list[str] = []
    for module in _STDLIB_MODULES:
        spec = importlib.util.find_spec(module)
        if spec and spec.origin and spec.origin.endswith(".py"):
            docs.extend(_chunks(Path(spec.origin).read_text("utf-8")))
    return docs


def code_c() -> list[str]:
    include = Path(sysconfig.get_paths()["include"])
    docs: list[str] = []
    for header in sorted(include.glob("*.h"))[:40]:
        docs.extend(_chunks(header.read_text("utf-8", errors="replace")))
    return docs


def _record(rng: random.Random, depth: int = 0) -> dict[str, object]:
    out: dict[str, object] = {}
    for _ in range(rng.randint(3, 8)):
        key = rng.choice(_WORDS) + ("_" + rng.choice(_WORDS) if rng.random() < 0.4 else "")
        roll = rng.random()
        if roll < 0.25:
            out[key] = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 8)))
        elif roll < 0.4:
            out[key] = rng.randint(0, 10 ** rng.randint(1, 9))
        elif roll < 0.5:
            out[key] = round(rng.uniform(-1000, 1000), rng.randint(1, 4))
        elif roll < 0.6:
            out[key] = f"{rng.getrandbits(128):032x}"
        elif roll < 0.7:
            out[key] = (
                f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                f"T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
            )
        elif roll < 0.8:
            out[key] = rng.random() < 0.5
        elif depth < 2 and roll < 0.9:
            out[key] = _record(rng, depth + 1)
        elif depth < 2:
            out[key] = [_record(rng, depth + 1) for _ in range(rng.randint(1, 3))]
        else:
            out[key] = None
    return out


def json_docs(seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for i in range(120):
        payload = {"data": [_record(rng) for _ in range(rng.randint(2, 6))], "page": i}
        indent = 2 if i % 2 else None
        docs.append(json.dumps(payload, indent=indent, sort_keys=bool(i % 3)))
    return docs


def _schema(rng: random.Random, depth: int = 0) -> dict[str, object]:
    props: dict[str, object] = {}
    for _ in range(rng.randint(1, 6)):
        name = rng.choice(_WORDS) + ("_" + rng.choice(_WORDS) if rng.random() < 0.5 else "")
        kind = rng.choice(["string", "integer", "number", "boolean", "array", "object", "enum"])
        desc = (
            f"The {rng.choice(_WORDS)} of the {rng.choice(_WORDS)}, "
            f"used to filter {rng.choice(_WORDS)}s."
        )
        if kind == "enum":
            props[name] = {
                "type": "string",
                "enum": rng.sample(_WORDS, rng.randint(2, 5)),
                "description": desc,
            }
        elif kind == "array":
            props[name] = {"type": "array", "items": {"type": "string"}, "description": desc}
        elif kind == "object" and depth < 2:
            props[name] = {**_schema(rng, depth + 1), "description": desc}
        else:
            props[name] = {"type": kind if kind != "object" else "string", "description": desc}
    return {
        "type": "object",
        "properties": props,
        "required": sorted(props)[: rng.randint(0, len(props))],
    }


def tool_schemas(seed: int = 2) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for _ in range(150):
        verb = rng.choice(["get", "list", "create", "update", "delete", "search", "export"])
        tool = {
            "name": f"{verb}_{rng.choice(_WORDS)}_{rng.choice(_WORDS)}",
            "description": (
                f"{verb.capitalize()} {rng.choice(_WORDS)} records for the current "
                f"{rng.choice(_WORDS)}. Use this when the user asks about their "
                f"{rng.choice(_WORDS)} or {rng.choice(_WORDS)}; returns at most 50 results."
            ),
            "input_schema": _schema(rng),
        }
        docs.append(json.dumps(tool, ensure_ascii=False, separators=(",", ":")))
    return docs


def tool_output(seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    docs = []
    for i in range(80):
        lines = []
        if i % 3 == 0:
            for _ in range(rng.randint(10, 60)):
                size = rng.randint(0, 10**6)
                name = (
                    f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}"
                    f".{rng.choice(['py', 'json', 'md', 'ts'])}"
                )
                lines.append(
                    f"-rw-r--r--  1 dev  staff  {size:>8} Nov {rng.randint(1, 30):>2} "
                    f"12:{rng.randint(0, 59):02d} {name}"
                )
        elif i % 3 == 1:
            for _ in range(rng.randint(5, 30)):
                test = (
                    f"tests/test_{rng.choice(_WORDS)}.py"
                    f"::test_{rng.choice(_WORDS)}_{rng.choice(_WORDS)}"
                )
                outcome = rng.choice(["PASSED", "PASSED", "PASSED", "FAILED", "SKIPPED"])
                lines.append(f"{test} {outcome} [{rng.randint(1, 99)}%]")
            lines.append(
                'Traceback (most recent call last):\n  File "/srv/app/main.py", line 42, in run\n'
                "    result = handler(request)\nKeyError: 'user_id'"
            )
        else:
            for _ in range(rng.randint(10, 50)):
                lines.append(
                    f"2026-11-{rng.randint(1, 28):02d} "
                    f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:"
                    f"{rng.randint(0, 59):02d},{rng.randint(0, 999):03d} "
                    f"{rng.choice(['INFO', 'WARN', 'ERROR', 'DEBUG'])} "
                    f"[{rng.choice(_WORDS)}] request_id={rng.getrandbits(64):016x} "
                    f"latency_ms={rng.randint(1, 5000)} "
                    f"{rng.choice(_WORDS)} {rng.choice(_WORDS)} ok"
                )
        docs.append("\n".join(lines))
    return docs


def non_english() -> list[str]:
    docs = []
    for text in NON_ENGLISH.values():
        docs.extend(p.strip() + "\n" for p in text.split("\n\n") if p.strip())
    return docs


_UI_LANGUAGES = (
    "de", "fr", "es", "pt_BR", "it", "nl", "pl", "ru", "uk", "tr", "cs", "sv", "fi", "hu",
    "ro", "zh_CN", "zh_TW", "ja", "ko", "ar", "he", "hi", "el", "th", "vi", "fa", "bn", "ta",
)  # fmt: skip
_UI_DOMAINS = ("glib20", "PackageKit", "Linux-PAM")
_UI_CHARS_PER_LANGUAGE = 12_000


def ui_translations(root: Path = Path("/usr/share/locale")) -> list[str]:
    docs: list[str] = []
    for lang in _UI_LANGUAGES:
        texts: list[str] = []
        for domain in _UI_DOMAINS:
            path = root / lang / "LC_MESSAGES" / f"{domain}.mo"
            try:
                with path.open("rb") as fh:
                    catalog = gettext.GNUTranslations(fh)._catalog  # type: ignore[attr-defined]
            except (OSError, UnicodeDecodeError):
                continue
            texts.extend(v for k, v in sorted(catalog.items(), key=str) if k and v)
        docs.extend(_chunks("\n".join(texts)[:_UI_CHARS_PER_LANGUAGE]))
    return docs


def build_corpus() -> dict[str, list[str]]:
    """Kind -> documents (empty kinds left out). Deterministic for a given machine."""
    corpus = {
        "prose": prose(),
        "code_python": code_python(),
        "code_c": code_c(),
        "json": json_docs(),
        "tool_schemas": tool_schemas(),
        "tool_output": tool_output(),
        "non_english": non_english(),
        "ui_translations": ui_translations(),
    }
    return {kind: docs for kind, docs in corpus.items() if docs}


if __name__ == "__main__":
    for kind, docs in build_corpus().items():
        print(f"{kind:14} {len(docs):5} docs {sum(map(len, docs)):>9,} chars")
