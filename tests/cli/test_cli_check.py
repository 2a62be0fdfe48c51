"""``promptcop check`` through click's runner: flags, config, files, formats, exit codes."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from promptcop.cli import main

from .conftest import SDK_HEADER, write

pytestmark = pytest.mark.usefixtures("fake_engine")

BAD_LINE = 'client.messages.create(model="m", messages=[])  # BAD\n'
CALL = 'client.messages.create(model="m", max_tokens=5, messages=[])\n'


def run(*args: str) -> Result:
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def test_clean_tree_exits_0(project: Path) -> None:
    write(project / "app.py", SDK_HEADER)
    result = run()
    assert result.exit_code == 0, result.output
    assert result.output == "All checks passed.\n"


def test_findings_exit_1_with_text_output(project: Path) -> None:
    write(project / "pkg" / "app.py", SDK_HEADER + BAD_LINE)
    write(project / "pkg" / "other.py", "x = 1\n")
    result = run(".")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "pkg/app.py:4:1: PC301 messages.create has no max_tokens: output is unbounded",
        "Found 1 finding in 2 files.",
    ]


def test_exit_zero_and_quiet(project: Path) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    result = run("--exit-zero", "-q")
    assert result.exit_code == 0
    assert result.output.startswith("app.py:4:1: PC301")
    assert "Found" not in result.output


def test_paths_keep_the_given_prefix_and_output_is_sorted(project: Path) -> None:
    write(project / "b.py", SDK_HEADER + BAD_LINE + BAD_LINE)
    write(project / "a" / "z.py", SDK_HEADER + BAD_LINE)
    result = run("./b.py", str(project / "a"))
    lines = result.output.splitlines()
    assert lines[:3] == [
        f"{project}/a/z.py:4:1: PC301 messages.create has no max_tokens: output is unbounded",
        "b.py:4:1: PC301 messages.create has no max_tokens: output is unbounded",
        "b.py:5:1: PC301 messages.create has no max_tokens: output is unbounded",
    ]


def test_json_format_is_the_contract(project: Path) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    (project / "latin.py").write_bytes(b"c.messages.create()\nx = '\xe9'\n")
    result = run("--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["version"] == 1
    assert document["files_scanned"] == 2
    assert [f["code"] for f in document["findings"]] == ["PC301"]
    assert document["findings"][0]["path"] == "app.py"
    assert document["errors"] == [
        {
            "path": "latin.py",
            "message": "not valid UTF-8: byte 0xe9 at offset 25 "
            "(re-encode the file or add a PEP 263 coding declaration)",
        }
    ]


@pytest.mark.parametrize("fmt", ["sarif", "github"])
def test_other_formats_and_output_file(project: Path, fmt: str) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    result = run("--output-format", fmt, "--output-file", "out/report.txt")
    assert result.exit_code == 1
    assert result.output == ""
    text = (project / "out" / "report.txt").read_text(encoding="utf-8")
    if fmt == "sarif":
        assert json.loads(text)["runs"][0]["results"][0]["ruleId"] == "PC301"
    else:
        assert text.startswith("::error file=app.py,line=4,col=1,")


def test_suppression_comments_apply(project: Path) -> None:
    write(
        project / "app.py",
        SDK_HEADER
        + BAD_LINE.replace("# BAD", "# BAD  # noqa: PC301")
        + BAD_LINE.replace("# BAD", "# BAD  # promptcop: ignore[PC101]")
        + BAD_LINE.replace("# BAD", "# BAD  # promptcop: ignore"),
    )
    result = run()
    assert [line.split(":")[1] for line in result.output.splitlines()[:-1]] == ["5"]


def test_select_ignore_and_per_file_ignores(project: Path) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    write(project / "tests" / "test_app.py", SDK_HEADER + BAD_LINE)
    assert run("--ignore", "PC3").exit_code == 0
    assert run("--select", "PC1,PC2").exit_code == 0
    assert run("--select", "PC1", "--extend-select", "PC301").exit_code == 1
    write(
        project / "pyproject.toml",
        '[tool.promptcop]\nselect = ["PC1"]\n\n[tool.promptcop.per-file-ignores]\n'
        '"tests/**" = ["PC301"]\n',
    )
    assert run().exit_code == 0  # the file's select leaves PC301 out
    result = run("--select", "PC301")  # the flag wins over the file
    assert result.output.splitlines()[0].startswith("app.py:4:1: PC301")
    assert "tests/test_app.py" not in result.output  # per-file-ignores still apply
    assert run("--select", "PC301", "--isolated").output.count("PC301") == 2


def test_excludes(project: Path) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    write(project / "gen" / "client_pb2.py", SDK_HEADER + BAD_LINE)
    write(project / ".venv" / "lib" / "x.py", SDK_HEADER + BAD_LINE)
    assert run("--format", "json").output.count('"PC301"') == 1 + 1
    assert (
        json.loads(run("--format", "json", "--extend-exclude", "gen").output)["files_scanned"] == 1
    )
    # an explicit file is checked even inside an excluded folder (pre-commit passes files)
    assert run(".venv/lib/x.py").exit_code == 1
    assert run(".venv/lib/x.py", "--force-exclude").output == "All checks passed.\n"


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (
            ["--select", "PC999"],
            None,
            "promptcop: error: --select: unknown rule code or prefix 'PC999'",
        ),
        (
            ["--ignore", "E501"],
            None,
            "promptcop: error: --ignore: unknown rule code or prefix 'E501'",
        ),
        (
            [],
            '[tool.promptcop]\nselekt = ["PC1"]\n',
            "unknown key 'selekt' in [tool.promptcop] (did you mean 'select'?)",
        ),
        ([], "[tool.promptcop]\nselect = [\n", "invalid TOML"),
        (["--config", "nope.toml"], None, "nope.toml: config file not found"),
    ],
)
def test_config_errors_exit_2_with_one_line(
    project: Path, args: list[str], config: str | None, message: str
) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    if config is not None:
        write(project / "pyproject.toml", config)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_missing_path_is_an_error_entry_not_a_stop(project: Path) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    result = run("app.py", "missing.py")
    assert result.exit_code == 1
    assert "missing.py: error: no such file or directory" in result.output


def test_bad_files_never_stop_the_run(project: Path) -> None:
    write(project / "good.py", SDK_HEADER + BAD_LINE)
    (project / "binary.py").write_bytes(b"c.messages.create(\x00\x01\x02")
    (project / "empty.py").write_bytes(b"")
    write(project / "huge.py", SDK_HEADER + CALL + "x = 1\n" * 400_000)
    locked = write(project / "locked.py", SDK_HEADER)
    locked.chmod(0)
    result = run("--format", "json")
    locked.chmod(0o644)
    document = json.loads(result.output)
    errors = {e["path"]: e["message"] for e in document["errors"]}
    assert errors["binary.py"].startswith("binary file")
    assert errors["huge.py"].startswith("skipped: 2.4 MB is over max-file-size")
    if os.geteuid() != 0:
        assert errors["locked.py"] == "cannot read: permission denied"
    assert "empty.py" not in errors
    assert document["files_scanned"] == 5
    assert [f["path"] for f in document["findings"]] == ["good.py"]


def test_bad_files_without_sdk_calls_are_error_entries_too(project: Path) -> None:
    # The prefilter drops these before decoding; they must not vanish silently.
    (project / "blob.py").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (project / "latin.py").write_bytes(b"NAME = 'caf\xe9'\n")
    (project / "declared.py").write_bytes(b"# -*- coding: latin-1 -*-\nNAME = 'caf\xe9'\n")
    (project / "klingon.py").write_bytes(b"# coding: klingon\nx = 1\n")
    write(project / "plain.py", "x = 'caf\u00e9'\n")
    outputs = []
    for args in (("--no-cache",), ("--cache-dir", "cache"), ("--cache-dir", "cache")):
        result = run("--format", "json", *args)
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert outputs[0] == outputs[1] == outputs[2]  # a warm run reports them as well
    document = json.loads(outputs[0])
    assert document["files_scanned"] == 5
    assert document["errors"] == [
        {"path": "blob.py", "message": "binary file: contains NUL bytes, not Python source"},
        {"path": "klingon.py", "message": "bad coding declaration: unknown encoding: klingon"},
        {
            "path": "latin.py",
            "message": "not valid UTF-8: byte 0xe9 at offset 11 "
            "(re-encode the file or add a PEP 263 coding declaration)",
        },
    ]


def test_files_not_checked_keep_exit_0_but_are_visible(project: Path) -> None:
    write(project / "app.py", SDK_HEADER + CALL)
    write(project / "broken.py", SDK_HEADER + "client.messages.create(\n")  # fake engine: no parse
    (project / "blob.py").write_bytes(b"\x00\x01")
    text = run()
    assert text.exit_code == 0  # RULES.md: only findings make the run fail
    assert text.output.splitlines() == [
        "blob.py: error: binary file: contains NUL bytes, not Python source",
        "No findings in 3 files, and 1 file could not be checked.",
    ]
    github = run("--format", "github")
    assert github.exit_code == 0
    assert github.output == (
        "::warning file=blob.py,title=promptcop%3A file not checked::"
        "binary file: contains NUL bytes, not Python source\n"
    )
    write(project / "bad.py", SDK_HEADER + BAD_LINE)
    both = run()
    assert both.exit_code == 1
    assert both.output.splitlines()[-1] == (
        "Found 1 finding in 4 files, and 1 file could not be checked."
    )


def test_internal_error_is_one_line_and_exit_2(project: Path) -> None:
    write(project / "a.py", SDK_HEADER + CALL + "# CRASH\n")
    write(project / "b.py", SDK_HEADER + BAD_LINE)
    result = CliRunner().invoke(main, ["check"])
    assert result.exit_code == 2
    assert "a.py: error: internal error: RuntimeError: boom; please report" in result.output
    assert result.output.splitlines()[0].startswith("b.py:4:1: PC301")  # the run went on
    assert "Traceback" not in result.output
    verbose = CliRunner().invoke(main, ["check", "--verbose"])
    assert verbose.exit_code == 2
    assert "Traceback" in verbose.output and "RuntimeError: boom" in verbose.output


def test_colour_only_when_asked(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project / "app.py", SDK_HEADER + BAD_LINE)
    assert "\x1b[" not in run().output  # not a TTY
    assert "\x1b[" in CliRunner().invoke(main, ["check", "--color"], color=True).output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in CliRunner().invoke(main, ["check"], color=True).output


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_file_name_that_is_not_utf8(project: Path, fmt: str) -> None:
    name = os.fsdecode(b"bad\xff.py")
    write(project / name, SDK_HEADER + BAD_LINE)
    result = run("--format", fmt, "--output-file", "out.txt")
    assert result.exit_code == 1, result.output
    text = (project / "out.txt").read_text(encoding="utf-8")  # strict: valid UTF-8
    if fmt in ("json", "sarif"):
        document = json.loads(text)
        if fmt == "json":
            assert document["findings"][0]["path"] == name
        else:
            location = document["runs"][0]["results"][0]["locations"][0]
            assert location["physicalLocation"]["artifactLocation"]["uri"] == "bad%FF.py"
    else:
        assert "bad\\xff.py" in text


def test_engine_crash_messages_are_told_apart_from_limits() -> None:
    from promptcop.linter.runner import is_crash

    assert is_crash("internal error: KeyError: 'x'")
    assert is_crash("internal error in rule PC101 crashed: ValueError: y")
    assert is_crash("internal error in rule PC101: too deeply nested to analyse; PC102 crashed: Z")
    assert not is_crash("internal error in rule PC105: too deeply nested to analyse")
    assert not is_crash("syntax error at line 2, column 11")


def test_statistics(project: Path) -> None:
    write(project / "a.py", SDK_HEADER + BAD_LINE * 3)
    result = run("--statistics")
    assert result.exit_code == 1
    assert result.output == "3  PC301  [ ] missing-max-tokens\n"
    rows = json.loads(run("--statistics", "--format", "json").output)
    assert rows == [{"code": "PC301", "name": "missing-max-tokens", "count": 3, "fixable": 0}]
    result = run("--statistics", "--format", "sarif")
    assert result.exit_code == 2
    assert result.output == "promptcop: error: --statistics prints text or json, not sarif\n"


def test_gitignore_flag(project: Path) -> None:
    (project / ".git").mkdir()
    write(project / ".gitignore", "generated/\n")
    write(project / "generated" / "client.py", SDK_HEADER + BAD_LINE)
    assert run().exit_code == 0
    assert run("--no-respect-gitignore").exit_code == 1
    write(project / "pyproject.toml", "[tool.promptcop]\nrespect-gitignore = false\n")
    assert run().exit_code == 1
    assert run("--respect-gitignore").exit_code == 0


def test_stdin_is_checked_under_the_given_name(project: Path) -> None:
    # the file on disk is clean; the editor's unsaved buffer is not
    write(project / "app.py", SDK_HEADER)
    buffer = SDK_HEADER + BAD_LINE + BAD_LINE.replace("# BAD", "# BAD  # noqa: PC301")
    result = CliRunner().invoke(main, ["check", "--stdin-filename", "app.py"], input=buffer)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines() == [
        "app.py:4:1: PC301 messages.create has no max_tokens: output is unbounded",
        "Found 1 finding in 1 file.",
    ]
    result = CliRunner().invoke(main, ["check", "-", "--format", "json"], input=buffer)
    assert [f["path"] for f in json.loads(result.output)["findings"]] == ["-"]
    result = CliRunner().invoke(main, ["check", "-"], input=b"x = '\xff'\nc.messages.create()\n")
    assert "-: error: not valid UTF-8" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stdin-filename", "a.py", "b.py"], "give no paths (or only `-`) when checking stdin"),
        (["-", "--fix"], "--fix and --diff rewrite files; they do not work on stdin"),
    ],
)
def test_stdin_misuse(project: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["check", *args], input="x = 1\n")
    assert result.exit_code == 2
    assert result.output == f"promptcop: error: {message}\n"
