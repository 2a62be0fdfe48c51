"""The benchmark corpus: the sources of three LLM SDKs plus the bundled examples.

Issue 6 measures promptcop on the installed sources of ``anthropic``,
``openai`` and ``langchain-core`` (about 5,000 files). Versions are pinned so
that figures from two runs, or two machines, describe the same bytes. On first
use the wheels are fetched with ``pip download`` (PyPI, the only network access
in bench/) into ``bench/.cache/wheels`` and their ``.py`` files unpacked into
``bench/.cache/corpus/<name>-<version>/``; later runs use the cache offline.

Run ``python bench/corpus.py`` to fetch and print the corpus summary.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
CACHE_DIR = BENCH_DIR / ".cache"
WHEELS_DIR = CACHE_DIR / "wheels"
CORPUS_DIR = CACHE_DIR / "corpus"
EXAMPLES_DIR = REPO_ROOT / "examples"

# Pinned so that every run measures the same bytes; bump deliberately.
PACKAGES: tuple[tuple[str, str], ...] = (
    ("anthropic", "2.12.0"),
    ("openai", "3.54.0"),
    ("langchain-core", "1.8.2"),
)

_COMPLETE = ".complete"


def _wheel_for(name: str, version: str) -> Path | None:
    stem = name.replace("-", "_")
    for wheel in sorted(WHEELS_DIR.glob(f"{stem}-{version}-*.whl")):
        return wheel
    return None


def _download(name: str, version: str) -> Path:
    WHEELS_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--quiet",
        "--no-deps",
        "--only-binary=:all:",
        "--dest",
        str(WHEELS_DIR),
        f"{name}=={version}",
    ]
    subprocess.run(cmd, check=True)
    wheel = _wheel_for(name, version)
    if wheel is None:
        raise RuntimeError(f"pip download {name}=={version} produced no wheel in {WHEELS_DIR}")
    return wheel


def _unpack(wheel: Path, dest: Path) -> None:
    """Extract the wheel's .py files; refuse names that would escape ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as archive:
        for info in archive.infolist():
            name = PurePosixPath(info.filename)
            if name.suffix != ".py" or name.is_absolute() or ".." in name.parts:
                continue
            target = dest.joinpath(*name.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(archive.read(info))
    (dest / _COMPLETE).write_text("ok\n")


def ensure_corpus(verbose: bool = True) -> list[Path]:
    """Return the corpus roots (one per package, then examples/), fetching on first use."""
    roots: list[Path] = []
    for name, version in PACKAGES:
        dest = CORPUS_DIR / f"{name}-{version}"
        if not (dest / _COMPLETE).exists():
            wheel = _wheel_for(name, version)
            if wheel is None:
                if verbose:
                    print(f"corpus: downloading {name}=={version} ...", file=sys.stderr)
                wheel = _download(name, version)
            _unpack(wheel, dest)
        roots.append(dest)
    if EXAMPLES_DIR.is_dir():
        roots.append(EXAMPLES_DIR)
    return roots


def corpus_files(roots: list[Path]) -> list[Path]:
    """Every .py file under the roots, in a stable order."""
    files: list[Path] = []
    for root in roots:
        files.extend(sorted(p for p in root.rglob("*.py") if p.is_file()))
    return files


def main() -> None:
    roots = ensure_corpus()
    files = corpus_files(roots)
    size = sum(p.stat().st_size for p in files)
    lines = sum(p.read_bytes().count(b"\n") for p in files)
    for root in roots:
        print(f"{root}: {sum(1 for _ in root.rglob('*.py'))} files")
    print(f"total: {len(files)} files, {lines} lines, {size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
