"""docs/THEORY.md's generated parts and its chart, from models/theory/results.json (filled in later)."""

from __future__ import annotations

from pathlib import Path


def write_report(results: dict, root: Path) -> None:
    pass
