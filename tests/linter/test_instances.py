"""Values read through objects: settings instances, dataclass defaults, builder methods.

Real services keep model names and prompt builders on objects
(``settings = Settings()`` in ``config.py``). Reading an attribute of such an
object once crashed the whole file; these tests pin that it resolves instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from promptcop.cli import main

CONFIG = """
from dataclasses import dataclass


@dataclass
class Cfg:
    model: str = "claude-opus-4-6"


class Settings:
    model = "claude-opus-4-6"


cfg = Cfg()
settings = Settings()
"""

APP = """
from datetime import datetime

import anthropic

from . import config
from .config import settings

client = anthropic.Anthropic()


class Builder:
    def build(self):
        return f"You are helpful. Now: {datetime.now()}"


builder = Builder()


def through_module(q):
    return client.messages.create(
        model=config.cfg.model, max_tokens=10, messages=[{"role": "user", "content": q}]
    )


def through_import(q):
    return client.messages.create(
        model=settings.model,
        max_tokens=10,
        system=builder.build(),
        messages=[{"role": "user", "content": q}],
    )
"""


def _check(root: Path) -> dict[str, object]:
    result = CliRunner().invoke(main, ["check", "--no-cache", "--format", "json", str(root)])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, object] = json.loads(result.output)
    return report


def test_attributes_of_imported_instances_resolve(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "config.py").write_text(CONFIG)
    (pkg / "app.py").write_text(APP)
    report = _check(pkg)
    assert report["errors"] == []
    findings = report["findings"]
    assert isinstance(findings, list)
    got = sorted((f["code"], f["line"]) for f in findings)
    # Both calls use an Opus model read from an instance with max_tokens=10.
    assert got.count(("PC304", 21)) == 1
    assert got.count(("PC304", 27)) == 1
    # The method of a module-level instance returns the clock.
    assert ("PC101", 14) in got


def test_unknown_attribute_of_an_instance_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(
        "import anthropic\n"
        "class S:\n    pass\n"
        "s = S()\n"
        "client = anthropic.Anthropic()\n"
        "def f(q):\n"
        "    return client.messages.create(model=s.model, max_tokens=5, system=s.prompt,\n"
        "        messages=[{'role': 'user', 'content': q}])\n"
    )
    report = _check(tmp_path)
    assert report["errors"] == []
    assert report["findings"] == []


TEMPLATES = """
import time


class Header:
    def __init__(self, product):
        self.product = product

    def text(self):
        return f"You answer questions about {self.product}. Epoch: {time.time()}"

    def plain(self):
        return "You answer questions politely."


HEADER = Header("widgets")
"""

SENDER = """
import anthropic

from .templates import HEADER, Header

client = anthropic.Anthropic()


def answer(q):
    return client.messages.create(
        model="claude-sonnet-4-5", max_tokens=50, system=SYSTEM,
        messages=[{"role": "user", "content": q}],
    )
"""


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        ('Header("gears").text()', [("PC101", "templates.py", 10)]),
        ("HEADER.text()", [("PC101", "templates.py", 10)]),
        ('Header("x").plain()', []),
    ],
)
def test_methods_of_instances_of_classes_from_another_module_are_followed(
    tmp_path: Path, system: str, expected: list[tuple[str, str, int]]
) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "templates.py").write_text(TEMPLATES)
    (pkg / "sender.py").write_text(SENDER.replace("SYSTEM", system))
    report = _check(pkg)
    assert report["errors"] == []
    findings = report["findings"]
    assert isinstance(findings, list)
    got = [(f["code"], Path(str(f["path"])).name, f["line"]) for f in findings]
    assert got == expected


JUDGE = """
import anthropic
from tenacity import retry, stop_after_attempt

_client = anthropic.Anthropic()


@retry(stop=stop_after_attempt(3))
def _ask(**kwargs):
    return _client.messages.create(**kwargs)


class Judge:
    def verdict(self, text):
        return _ask(model="claude-haiku-4-5", max_tokens=5,
                    messages=[{"role": "user", "content": text}])


def lookup(key):
    return {"a": 1}.get(key)
"""

# The driver also sends a request of its own: a file with no SDK call at all is
# dropped by the prefilter before any rule runs (a known limit).
DRIVER = """
import anthropic

from .judge import Judge, lookup


def solve(q):
    return anthropic.Anthropic().messages.create(
        model="claude-haiku-4-5", max_tokens=5, messages=[{"role": "user", "content": q}])


def score(rows):
    judge = Judge()
    results = [judge.verdict(r) for r in rows]
    ids = [lookup(r) for r in rows]
    return results, ids


def interactive():
    judge = Judge()
    while True:
        print(judge.verdict(input("> ")))
"""


def test_loop_calling_a_request_method_of_another_module_is_batchable(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "judge.py").write_text(JUDGE)
    (pkg / "driver.py").write_text(DRIVER)
    report = _check(pkg)
    assert report["errors"] == []
    findings = report["findings"]
    assert isinstance(findings, list)
    got = [(f["code"], Path(str(f["path"])).name, f["line"]) for f in findings]
    # Only the offline comprehension over rows; not the helper that sends nothing,
    # not the chat loop, and nothing in judge.py itself.
    assert got == [("PC302", "driver.py", 14)]


CARD = """
RULES = "Always cite the handbook section. Never promise refunds. Escalate legal threats."


class Card:
    def __init__(self, audience, stamp="fixed"):
        self.audience = audience
        self.stamp = stamp

    def render(self):
        return f"You write for {self.audience}.\\n" + RULES + f"\\nBuilt: {self.stamp}"
"""

CARD_SENDER = """
import datetime

import anthropic

from .card import Card

client = anthropic.Anthropic()


def send(q, audience):
    return client.messages.create(
        model="claude-sonnet-4-5", max_tokens=50, system=SYSTEM,
        messages=[{"role": "user", "content": q}],
    )
"""


@pytest.mark.parametrize(
    ("system", "expected"),
    [
        # a constant argument: the rendered prompt is static
        ('Card("engineers").render()', []),
        # the sender's parameter, stored by __init__, opens the prompt
        ("Card(audience).render()", [("PC102", "card.py", 11)]),
        # a clock passed by keyword reaches the prefix through self.stamp
        (
            'Card("ops", stamp=datetime.datetime.now()).render()',
            [("PC101", "sender.py", 13)],
        ),
    ],
)
def test_constructor_arguments_reach_the_methods_that_read_them(
    tmp_path: Path, system: str, expected: list[tuple[str, str, int]]
) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "card.py").write_text(CARD)
    (pkg / "sender.py").write_text(CARD_SENDER.replace("SYSTEM", system))
    report = _check(pkg)
    assert report["errors"] == []
    findings = report["findings"]
    assert isinstance(findings, list)
    got = [(f["code"], Path(str(f["path"])).name, f["line"]) for f in findings]
    assert got == expected


def test_loop_over_models_through_another_module_is_a_comparison(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "judge.py").write_text(
        "import anthropic\n"
        "client = anthropic.Anthropic()\n"
        "def rate(text, model):\n"
        "    return client.messages.create(model=model, max_tokens=5,\n"
        "        messages=[{'role': 'user', 'content': text}])\n"
    )
    (pkg / "compare.py").write_text(
        "import anthropic\n"
        "from .judge import rate\n"
        "def direct(q):\n"  # a request of its own lets the file past the prefilter
        "    return anthropic.Anthropic().messages.create(model='claude-haiku-4-5',\n"
        "        max_tokens=5, messages=[{'role': 'user', 'content': q}])\n"
        "MODELS = ['claude-haiku-4-5', 'claude-sonnet-4-5', 'claude-opus-4-5', 'x']\n"
        "def compare(text):\n"
        "    return [rate(text, model=m) for m in MODELS]\n"
        "def each(rows):\n"
        "    return [rate(r, model='claude-haiku-4-5') for r in rows]\n"
    )
    report = _check(pkg)
    findings = report["findings"]
    assert isinstance(findings, list)
    got = [(f["code"], Path(str(f["path"])).name, f["line"]) for f in findings]
    assert got == [("PC302", "compare.py", 10)]
