"""A raw message's counterexample is readable outside the suite (issue 19, part 5): the
message as an .eml file in the report, and a boto3 line that sends it, run here for real
against the faulty target that accepted it."""

from __future__ import annotations

import base64
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.profile import load_builtin_profile
from conformance.report.eml import boto3_line
from conformance.server import start_server
from tests._schema import valid_summary
from tests._sesconf import sesconf

PROFILE = load_builtin_profile("reference")
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@pytest.mark.parametrize("protocol", ["ses-query", "sesv2"])
def test_the_message_and_a_boto3_line_that_sends_it(protocol: str, tmp_path: Path) -> None:
    report = tmp_path / "report"
    with start_server(PROFILE, fault="raw-no-blank-line-accepted") as server:
        run = sesconf(
            "run", "--url", server.url, "--protocol", protocol, "--rules", "raw.mime",
            "--max-examples", "5", report_dir=report,
        )  # fmt: skip
        summary = valid_summary(report)
        (rule,) = [r for r in summary["rules"] if r["id"] == "raw.mime"]
        assert ("fail", 1) == (rule["outcome"], run.returncode), run.stdout[-2000:]
        example = rule["counterexample"]
        eml = report / example["eml"]
        sent = base64.b64decode(example["params"]["RawMessage"]["Data"])
        assert ("counterexamples/raw.mime.eml", sent) == (example["eml"], eml.read_bytes())
        assert b"\r\n\r\n" not in eml.read_bytes().split(b"MIME-Version", 1)[0]  # the defect
        sent_again = subprocess.run(
            [sys.executable, *shlex.split(example["boto3"])[1:]],  # this venv's python
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, **AWS_ENV},
        )
    assert 0 == sent_again.returncode, sent_again.stderr[-2000:]
    assert "MessageId" in sent_again.stdout  # the faulty target accepted it again
    page = (report / "index.html").read_text("utf-8")
    assert 'href="counterexamples/raw.mime.eml"' in page and "Send with boto3" in page


def test_the_line_names_only_what_the_request_had() -> None:
    target = {"protocol": "sesv2", "url": "http://127.0.0.1:1/", "region": "eu-west-1"}
    params = {"RawMessage": {"Data": "AA=="}, "Destinations": ["a@b.example"]}
    line = boto3_line(params, Path("/r/x.eml"), target)
    code = shlex.split(line)[2]
    assert code == (
        "import boto3; print(boto3.client('sesv2', endpoint_url='http://127.0.0.1:1/', "
        "region_name='eu-west-1').send_email(Content={'Raw': {'Data': "
        "open('/r/x.eml', 'rb').read()}}, Destination={'ToAddresses': ['a@b.example']}))"
    )
    compile(code, "boto3 line", "exec")
    query = shlex.split(
        boto3_line(
            {"RawMessage": {"Data": "AA=="}, "Source": "s@v.example"},
            Path("/r/x.eml"),
            {**target, "protocol": "ses-query"},
        )
    )[2]
    assert (
        ".send_raw_email(RawMessage={'Data': open('/r/x.eml', 'rb').read()}, "
        "Source='s@v.example')" in query
    )
