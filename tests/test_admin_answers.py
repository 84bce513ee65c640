"""A target whose quota call answers garbage breaks the rule that needed it: the target's
doing, never the suite's internal error. The mutation run found it: a GetAccount answered
with HTTP 201 made `sesconf run` exit 5 ("internal error in the suite")."""

from __future__ import annotations

from pathlib import Path

import pytest
from werkzeug.wrappers import Response

from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.server import wire_sesv2
from conformance.server.app import start_server
from conformance.server.engine import Engine
from tests._sesconf import sesconf


def test_a_quota_call_answered_with_201_breaks_the_quota_rule(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    original = wire_sesv2._account

    def answered_201(engine: Engine) -> Response:
        response = original(engine)
        response.status_code = 201
        return response

    monkeypatch.setattr(wire_sesv2, "_account", answered_201)
    with start_server(load_builtin_profile("reference")) as server:
        run = sesconf(
            "run", "--target", "reference", "--url", server.url, "--protocol", "sesv2",
            "--rules", "quota.recipients", "--max-examples", "3", "-n", "1",
            report_dir=tmp_path / "report",
        )  # fmt: skip
    assert ExitCode.TARGET_UNREACHABLE == run.returncode, run.stdout[-2000:]
    assert {"quota.recipients": "broken"} == run.outcomes()
    reason = run.summary["rules"][0]["reason"]
    assert "GetAccount: HTTP 201" in reason
