"""The import-free rule table must say what the rule modules say.

``rule_codes()``/``list_rules()`` read ``_index.py`` so that a run served from
the result cache imports no rule module (and with them libcst). A stale table
would silently drop a new rule from ``--select`` validation and ``promptcop
rules``: this test fails instead. Regenerate with
``python -c "from promptcop.linter.rules import write_index; write_index()"``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import promptcop.linter.rules as rules_pkg
from promptcop.linter.rules import all_rules, list_rules, render_index, rule_codes, rule_index


def test_index_file_is_current() -> None:
    written = Path(rules_pkg.__path__[0], "_index.py").read_text(encoding="utf-8")
    assert written == render_index(all_rules())


def test_index_agrees_with_the_modules() -> None:
    loaded = all_rules()
    assert [(e.code, e.name, e.severity, e.summary, e.fix) for e in rule_index()] == [
        (r.code, r.name, r.severity, r.summary, r.fix) for r in loaded
    ]
    assert rule_codes() == {r.code for r in loaded}
    assert list_rules() == [(r.code, r.name, r.severity, r.summary) for r in loaded]


def test_listing_codes_imports_no_rule_module_and_no_libcst() -> None:
    probe = (
        "import sys\n"
        "from promptcop.linter.rules import list_rules, rule_codes\n"
        "rule_codes(); list_rules()\n"
        "loaded = [m for m in sys.modules if m.startswith('promptcop.linter.rules.pc')]\n"
        "print(len(loaded), 'libcst' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "False"]
