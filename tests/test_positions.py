"""The fast position pass gives exactly libcst's PositionProvider ranges."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from promptcop.linter.positions import positions

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {
    "crlf and tabs": "def f(a,\r\n\tb):\r\n\treturn (a +\r\n\t\tb)\r\n",
    "non-ascii": 's = \'héllo wörld\'  # ✓ ünïcode\nt = f\'{s!r:>10}\' + """\nzwei\n"""\n',
    "continuations": "x = 1 + \\\n    2\nif x:\n    y = [\n        1,  # one\n    ]\n",
    "decorators and async": (
        "@dec(1)\nclass A(B, metaclass=M):\n    async def g(self):\n"
        "        async with a as b, c:\n            await b\n"
    ),
    "empty": "",
    "comments only": "# a\n\n# b\n",
}


def _same(module: cst.Module) -> None:
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    assert dict(positions(module)) == dict(expected)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_samples(name: str) -> None:
    _same(cst.parse_module(SAMPLES[name]))


def test_real_files() -> None:
    files = sorted((ROOT / "src" / "promptcop" / "linter").glob("*.py"))
    files += sorted((ROOT / "examples").rglob("*.py"))
    assert len(files) > 10
    for path in files:
        _same(cst.parse_module(path.read_text(encoding="utf-8")))
