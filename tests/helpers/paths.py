"""Where the project and its sample data are."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "producers" / "samples" / "000_871264557d0cf901.txt"
