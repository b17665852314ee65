"""Golden files: the stored ninjs and NewsML-G2 payloads of the example articles, byte for byte.

Regenerate after an intended change (then review the diff):

    SYNDICATE_REGENERATE_GOLDEN=1 python -m pytest tests/payloads/test_golden.py -k sqlite
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from syndicate.cli.run import run_embedded
from syndicate.payloads.export import export_payloads
from syndicate.settings import Settings
from syndicate.storage.db import Database
from tests.helpers import EXAMPLES, GOLDEN, assert_valid_newsml, assert_valid_ninjs

GOLDEN_PAYLOADS = GOLDEN / "payloads"
REGENERATE = os.environ.get("SYNDICATE_REGENERATE_GOLDEN") == "1"


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_example_payloads_match_golden_files(db: Database, settings: Settings, tmp_path: Path) -> None:
    run_embedded(db, settings, str(EXAMPLES))
    out = tmp_path / "payloads"
    with db.read() as session:
        export_payloads(session, out)
    produced = tree(out)
    for name, body in produced.items():
        if name.endswith(".ninjs.json"):
            assert_valid_ninjs(body.decode())
        else:
            assert_valid_newsml(body)
    if REGENERATE:
        for old in GOLDEN_PAYLOADS.glob("*/"):
            shutil.rmtree(old)
        shutil.copytree(out, GOLDEN_PAYLOADS, dirs_exist_ok=True)
    golden = {k: v for k, v in tree(GOLDEN_PAYLOADS).items() if k != "README.md"}
    assert produced.keys() == golden.keys(), "regenerate: SYNDICATE_REGENERATE_GOLDEN=1 pytest tests/payloads"
    changed = [name for name in produced if produced[name] != golden[name]]
    assert not changed, f"payloads differ from the golden files: {changed}"
    assert len(produced) == 2 * len(list(EXAMPLES.glob("*.json")))
