"""tools/matrix.py publishing: the docs page's every cell links to the rule in a copied report.

Two real `sesconf run` reports (the embedded reference with and without a planted fault,
5 examples) stand in for the emulators; `publish` must copy each report beside the page
and every link must resolve to a file with the `rule-<id>` anchor it names.
"""

from __future__ import annotations

import importlib.util
import json
import re
from html import unescape
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote

from conformance.profile import load_builtin_profile
from conformance.server.app import start_server
from tests._sesconf import REPO, sesconf


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matrix_tool", REPO / "tools" / "matrix.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_published_cells_link_to_the_rule_in_the_copied_report(tmp_path: Path) -> None:
    profile = load_builtin_profile("reference")
    reports = tmp_path / "reports"
    with start_server(profile) as good, start_server(profile, fault="constant-id") as bad:
        for label, server in (("good", good), ("bad", bad)):
            sesconf(
                "run", "--url", server.url, "--max-examples", "5", "--quiet",
                report_dir=reports / label, timeout=300,
            )  # fmt: skip
    docs = tmp_path / "docs" / "matrix"
    page = _tool().publish(["good", "bad", "missing"], reports, docs)

    html = page.read_text("utf-8")
    links = [unescape(h) for h in re.findall(r'href="([^"]+#rule-[^"]+)"', html)]
    summary = json.loads((reports / "bad" / "summary.json").read_text("utf-8"))
    assert 2 * len(summary["rules"]) == len(links)
    for link in links:
        path, _, anchor = link.partition("#")
        target = (docs / unquote(path)).resolve()
        assert target.parent.parent == docs.resolve(), link  # the copy, not reports/
        assert f'id="{unquote(anchor)}"' in target.read_text("utf-8"), link
    matrix = json.loads((docs / "matrix.json").read_text("utf-8"))
    assert ["good", "bad"] == matrix["targets"]
    assert "fail" == matrix["rules"]["envelope.id-unique"]["bad"]
