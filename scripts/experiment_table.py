"""The README's table of the lecture's claims beside our measurements, from the results files.

    python scripts/experiment_table.py           # prints the table
    python scripts/experiment_table.py --write   # puts it into README.md between its markers

A test checks that the README's table is the one the results files give.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenes.experiment_summary import markdown_table, stored_summary  # noqa: E402

START, END = "<!-- experiments table: scripts/experiment_table.py -->", "<!-- end of experiments table -->"


def readme_with_table(readme: str, table: str) -> str:
    """``readme`` with the text between its markers replaced by ``table``."""
    before, rest = readme.split(START, 1)
    _, after = rest.split(END, 1)
    return f"{before}{START}\n{table}\n{END}{after}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    table = markdown_table(stored_summary("en"))
    if parser.parse_args().write:
        path = ROOT / "README.md"
        path.write_text(readme_with_table(path.read_text(encoding="utf-8"), table), encoding="utf-8")
    else:
        print(table)


if __name__ == "__main__":
    main()
