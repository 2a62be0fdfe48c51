"""Config loading: [tool.promptcop] found upward, strict keys and codes, flags win."""

from __future__ import annotations

from pathlib import Path

import pytest

from promptcop.config import (
    DEFAULT_EXCLUDES,
    ConfigError,
    Overrides,
    Settings,
    find_config,
    load_settings,
)

CODES = ["PC101", "PC102", "PC103", "PC201", "PC301"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (Settings(), set(CODES)),
        (Settings(select=frozenset({"PC1"})), {"PC101", "PC102", "PC103"}),
        (Settings(select=frozenset({"PC1"}), ignore=frozenset({"PC103"})), {"PC101", "PC102"}),
        # the more specific selector wins, ruff-style
        (
            Settings(ignore=frozenset({"PC1"}), extend_select=frozenset({"PC101"})),
            {"PC101", "PC201", "PC301"},
        ),
        (Settings(select=frozenset({"PC101"}), ignore=frozenset({"PC1"})), {"PC101"}),
        # on a tie ignore wins
        (Settings(select=frozenset({"PC101"}), ignore=frozenset({"PC101"})), set()),
        (
            Settings(select=frozenset({"ALL"}), ignore=frozenset({"PC3"})),
            {"PC101", "PC102", "PC103", "PC201"},
        ),
        (
            Settings(select=frozenset({"PC301"}), extend_select=frozenset({"PC2"})),
            {"PC201", "PC301"},
        ),
    ],
)
def test_enabled_codes(settings: Settings, expected: set[str]) -> None:
    assert settings.enabled_codes(CODES) == expected


def test_config_found_upward_from_paths(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.promptcop]\nselect = ["PC1"]\n')
    write(tmp_path / "src" / "app" / "a.py", "")
    found, root = find_config(["src/app/a.py"], cwd=tmp_path)
    assert found == tmp_path / "pyproject.toml"
    assert root == tmp_path
    settings = load_settings(["src/app/a.py"], cwd=tmp_path, known_codes=CODES)
    assert settings.select == {"PC1"}
    assert settings.config_path == tmp_path / "pyproject.toml"


def test_pyproject_without_table_is_skipped_but_anchors_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.promptcop]\nignore = ["PC301"]\n')
    write(tmp_path / "sub" / "pyproject.toml", "[project]\nname = 'x'\n")
    write(tmp_path / "sub" / "a.py", "")
    settings = load_settings(["sub"], cwd=tmp_path, known_codes=CODES)
    assert settings.ignore == {"PC301"}


def test_no_config_gives_defaults(tmp_path: Path) -> None:
    settings = load_settings(["."], cwd=tmp_path, known_codes=CODES)
    assert settings.select is None
    assert settings.exclude == DEFAULT_EXCLUDES
    assert settings.config_path is None


def test_every_key_is_read(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
[tool.promptcop]
select = ["PC1", "pc301"]
ignore = ["PC103"]
extend-select = ["PC201"]
exclude = ["gen"]
extend-exclude = ["legacy/*.py"]
dynamic-calls = ["app.clock.now"]
client-factories = ["app.llm.make_client"]
fix-max-tokens = 2048
max-file-size = 500000
force-exclude = true

[tool.promptcop.per-file-ignores]
"tests/**" = ["PC301"]
""",
    )
    s = load_settings(["."], cwd=tmp_path, known_codes=CODES)
    assert s.select == {"PC1", "PC301"}
    assert s.ignore == {"PC103"}
    assert s.extend_select == {"PC201"}
    assert s.exclude == ("gen",)
    assert s.extend_exclude == ("legacy/*.py",)
    assert s.dynamic_calls == ("app.clock.now",)
    assert s.client_factories == ("app.llm.make_client",)
    assert s.fix_max_tokens == 2048
    assert s.max_file_size == 500000
    assert s.force_exclude is True
    assert s.ignored_for("tests/unit/test_a.py") == {"PC301"}
    assert s.ignored_for("src/a.py") == frozenset()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('selct = ["PC1"]', "unknown key 'selct' in [tool.promptcop] (did you mean 'select'?)"),
        ('select = ["PC999"]', "unknown rule code or prefix 'PC999'"),
        ('ignore = ["E501"]', "unknown rule code or prefix 'E501'"),
        ('select = "PC101"', "select must be a list of strings"),
        ("fix-max-tokens = -5", "fix-max-tokens must be a positive integer"),
        ('dynamic-calls = ["now"]', "is not a dotted name"),
        ('per-file-ignores = ["x"]', "per-file-ignores must be a table"),
        ("select = [", "invalid TOML"),
    ],
)
def test_bad_config_is_one_clear_error(tmp_path: Path, body: str, message: str) -> None:
    write(tmp_path / "pyproject.toml", f"[tool.promptcop]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(["."], cwd=tmp_path, known_codes=CODES)
    text = str(info.value)
    assert message in text
    assert "\n" not in text
    assert "pyproject.toml" in text


def test_catalogue_codes_are_valid_before_their_rule_exists(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.promptcop]\nignore = ["PC305", "PC2"]\n')
    assert load_settings(["."], cwd=tmp_path, known_codes=["PC101"]).ignore == {"PC305", "PC2"}


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.promptcop]\nselect = ["PC1"]\nignore = ["PC101"]\nexclude = ["a"]\n',
    )
    flags = Overrides(select=("PC101", "PC301"), exclude=("b",), extend_exclude=("c",))
    s = load_settings(["."], cwd=tmp_path, overrides=flags, known_codes=CODES)
    assert s.enabled_codes(CODES) == {"PC101", "PC301"}
    assert s.all_excludes == ("b", "c")
    # --ignore adds to the file's ignores when --select is not given
    s = load_settings(
        ["."], cwd=tmp_path, overrides=Overrides(ignore=("PC102",)), known_codes=CODES
    )
    assert s.enabled_codes(CODES) == {"PC103"}


def test_unknown_code_in_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--select: unknown rule code or prefix 'PC9'"):
        load_settings(["."], cwd=tmp_path, overrides=Overrides(select=("PC9",)), known_codes=CODES)


def test_explicit_config_file_and_isolated(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.promptcop]\nselect = ["PC1"]\n')
    other = write(tmp_path / "ci" / "promptcop.toml", 'select = ["PC301"]\n')
    s = load_settings(["."], cwd=tmp_path, config=str(other), known_codes=CODES)
    assert s.select == {"PC301"}
    assert s.config_path == other
    s = load_settings(["."], cwd=tmp_path, isolated=True, known_codes=CODES)
    assert s.select is None
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(["."], cwd=tmp_path, config="missing.toml", known_codes=CODES)
