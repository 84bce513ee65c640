"""index.html, matrix.html/json and redaction, from realistic sample summaries.

`sample_summary` builds summary.json dicts (docs/architecture.md) for the shapes a run can
take; the terminal tests import it too. Browser tests (marker `browser`) render the pages in
headless Chromium and save the screenshots the README links (docs/img/).
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

import pytest
from _browser import PageRun, load, screenshot

from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.redact import MASK, redact, redact_value
from conformance.report.html import render_index_html, write_index_html
from conformance.report.matrix import load_matrix, only_one_target, write_matrix_html
from conformance.report.parts import OUTCOMES
from conformance.report.summary import build_summary
from conformance.report.text import pretty_body
from conformance.rules import NOT_COVERED, RULES
from tests._schema import VALIDATOR

Shape = Literal["all-pass", "failing"]
DOCS_IMG = Path(__file__).resolve().parents[1] / "docs" / "img"

SECRET_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLETOKENabc123"
SIGNATURE = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
SCRIPT = "<script>window.__pwned = 1; alert('x')</script>"
FAILING_RULE = "recipients.max"
FAILING_BODY_MARK = "recipient-051@example.com"

_EVENTS: dict[str, dict[str, int]] = {
    "sender.verified": {
        "verified address": 21,
        "subdomain of verified domain": 14,
        "look-alike domain": 9,
        "unverified address": 17,
    },
    "recipients.max": {
        "50 recipients (at the limit)": 12,
        "51 recipients over To+Bcc": 7,
        "duplicates counted each time": 5,
        "1 recipient": 30,
    },
    "recipients.valid": {"one invalid among valid": 18, "invalid in BCC only": 11},
    "size.max": {"just under 7 MB": 4, "over 10 MiB": 3, "gray zone": 6},
    "robust.no-5xx": {"malformed JSON": 20, "wrong types": 25, "non-UTF-8 body": 8},
}


def _counterexample() -> dict[str, Any]:
    """A MUST failure as the plugin records it, with secrets planted in headers and body."""
    to = [f"recipient-{i:03d}@example.com" for i in range(1, 45)]
    bcc = [f"recipient-{i:03d}@example.com" for i in range(45, 52)]
    params = {
        "Source": "sender@verified.example",
        "Destination": {"ToAddresses": to, "BccAddresses": bcc},
        "Message": {"Subject": {"Data": "hi"}, "Body": {"Text": {"Data": f"key {SECRET_KEY_ID}"}}},
    }
    auth = (
        f"AWS4-HMAC-SHA256 Credential={SECRET_KEY_ID}/20250101/us-east-1/ses/aws4_request, "
        f"SignedHeaders=content-type;host;x-amz-date, Signature={SIGNATURE}"
    )
    response_body = json.dumps(
        {
            "success": True,
            "data": {"id": "msg-1", "created_at": "2025-01-01T00:00:00Z"},
            "debug": f"{SCRIPT} aws_secret_access_key={SECRET_KEY}",
        }
    )
    return {
        "params": params,
        "raw_body_b64": None,
        "request": {
            "method": "POST",
            "url": "http://127.0.0.1:40123/v1/send",
            "headers": {
                "Content-Type": "application/json",
                "Authorization": auth,
                "X-Amz-Security-Token": SESSION_TOKEN,
            },
            "body": json.dumps(params),
        },
        "response": {
            "status": 200,
            "headers": {"Content-Type": "application/json"},
            "body": response_body,
        },
        "transport": None,
        "expected": "reject(recipients.max)",
        "actual": "accepted id=msg-1",
        "problems": ["51 recipients across To+Bcc were accepted; the limit is 50"],
        "curl": "curl -sS -X POST 'http://127.0.0.1:40123/v1/send' -H 'Content-Type: "
        f"application/json' -H 'Authorization: {auth}' --data-binary @body.json",
        "replay": f"sesconf replay reports/latest --rule {FAILING_RULE}",
    }


def _rule(rule_id: str, outcome: str, **extra: Any) -> dict[str, Any]:
    rule = RULES[rule_id]
    examples = 0 if outcome == "skip" else sum(_EVENTS.get(rule_id, {"default": 60}).values())
    return {
        "id": rule.id,
        "level": str(rule.level),
        "family": rule.family,
        "quote": rule.quote,
        "doc_url": rule.doc_url,
        "outcome": outcome,
        "examples": examples,
        "exchanges": examples,
        "readable": examples,
        "tests": list(rule.tests),
        "events": {} if outcome == "skip" else _EVENTS.get(rule_id, {"default": 60}),
        "reason": None,
        "counterexample": None,
        **extra,
    }


def sample_summary(shape: Shape = "failing", *, target: str = "reference") -> dict[str, Any]:
    """A summary.json dict: `all-pass`, or `failing` (MUST fail, SHOULD non-strict, skip,
    broken with a transport error, the rest pass)."""
    special: dict[str, dict[str, Any]] = {}
    if shape == "failing":
        special = {
            FAILING_RULE: {
                "outcome": "fail",
                "reason": "accepted 51 recipients",
                "counterexample": _counterexample(),
            },
            "envelope.created-at": {
                "outcome": "non-strict",
                "reason": "created_at 9 minutes behind the client clock",
            },
            "quota.recipients": {
                "outcome": "skip",
                "reason": "profile declares no max_24h_send / reset_url",
            },
            "robust.no-5xx": {
                "outcome": "broken",
                "reason": "connection reset by the target",
                "counterexample": {
                    **_counterexample(),
                    "response": None,
                    "transport": "connection: reset by peer",
                    "actual": "no answer",
                },
            },
        }
    rules = []
    for rule_id in RULES:
        extra = dict(special.get(rule_id, {}))
        outcome = extra.pop("outcome", "pass")
        rules.append(_rule(rule_id, outcome, **extra))
    counts = {o: sum(1 for r in rules if r["outcome"] == o) for o in OUTCOMES}
    code = ExitCode.RULE_FAILED if counts["fail"] else ExitCode.OK
    return {
        "suite": {"name": "ses-conformance", "version": "0.1.0"},
        "target": {"name": target, "protocol": "envelope", "url": "http://127.0.0.1:40123/"},
        "started_at": "2025-01-01T12:00:00Z",
        "duration_s": 12.3,
        "strict": False,
        "hypothesis": {"profile": "ci", "seed": 0, "max_examples": 60},
        "exit_code": int(code),
        "verdict": "conformant" if code == 0 else "non-conformant",
        "counts": counts,
        "rules": rules,
    }


def write_run(report_dir: Path, summary: dict[str, Any]) -> Path:
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    write_index_html(report_dir, summary)
    return report_dir


class _Tags(HTMLParser):
    """Start tags with their attributes, as a browser's tokenizer sees them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def _articles(text: str) -> dict[str, dict[str, str | None]]:
    return {str(a["data-rule-id"]): a for a in _Tags(text).find("article")}


# --- index.html -------------------------------------------------------------------------


@pytest.mark.parametrize("shape", ["all-pass", "failing"])
def test_every_rule_is_rendered_with_its_outcome(shape: Shape) -> None:
    summary = sample_summary(shape)
    articles = _articles(render_index_html(summary))
    expected = {r["id"]: (f"rule-{r['id']}", r["outcome"]) for r in summary["rules"]}
    actual = {rule_id: (a["id"], a["data-outcome"]) for rule_id, a in articles.items()}
    assert expected == actual


def test_header_names_target_verdict_exit_code_and_seed() -> None:
    text = render_index_html(sample_summary("failing", target="my-mock"))
    for fact in (
        "my-mock",
        "envelope",
        "http://127.0.0.1:40123/",
        "0.1.0",
        "non-conformant",
        "RULE_FAILED",
        "seed 0",
        "profile ci",
        "12.3 s",
    ):
        assert fact in text, fact


def test_failing_rule_shows_quote_expectation_problems_and_replay() -> None:
    text = render_index_html(sample_summary("failing"))
    start = text.index(f'id="rule-{FAILING_RULE}"')
    section = text[start : text.index("</article>", start)]
    for fact in (
        RULES[FAILING_RULE].quote,
        "reject(recipients.max)",
        "accepted id=msg-1",
        "51 recipients across To+Bcc were accepted",
        FAILING_BODY_MARK,
        "HTTP 200",
        "curl -sS -X POST",
        "sesconf replay reports/latest",
        "51 recipients over To+Bcc",
    ):
        assert fact in section, fact
    assert "<details open>" in section


def test_many_equivalence_classes_are_capped_in_the_row_and_listed_in_full() -> None:
    summary = sample_summary("all-pass")
    summary["rules"][0]["events"] = {f"class {i:02d}": 20 - i for i in range(12)}
    text = render_index_html(summary)
    summary_row = text[text.index("<summary>") : text.index("</summary>")]
    assert re.findall(r"class (\d\d)", summary_row) == [f"{i:02d}" for i in range(8)]
    assert "+4 more" in summary_row
    assert text.count("class 11<b>") == 1  # only in the rule's details


def test_the_index_says_what_is_not_covered() -> None:
    """The "Not covered" card lists summary.json's `not_covered` (the catalogue's list),
    after the rules; a summary from before the key gets the catalogue's list too."""
    summary = sample_summary("all-pass")
    summary["not_covered"] = [{"what": i.what, "why": i.why} for i in NOT_COVERED]
    for text in (render_index_html(summary), render_index_html(sample_summary("all-pass"))):
        card = text.partition('<section class="card" id="not-covered">')[2]
        assert card and "<h2>Not covered</h2>" in card
        assert len(NOT_COVERED) == card.partition("</section>")[0].count("<li>")
        for item in NOT_COVERED:
            assert f"<b>{html.escape(item.what)}</b>" in card
    hostile = summary | {"not_covered": [{"what": "<script>x</script>", "why": "w"}]}
    assert "<script>x</script>" not in render_index_html(hostile)
    assert 'id="not-covered"' not in render_index_html(summary | {"not_covered": []})


def test_summary_json_carries_the_not_covered_list() -> None:
    summary = build_summary(
        [], profile=load_builtin_profile("reference"), strict=False, max_examples=1,
        seed=None, started_at=0.0,
    )  # fmt: skip
    assert [{"what": i.what, "why": i.why} for i in NOT_COVERED] == summary["not_covered"]
    assert [] == [e.message for e in VALIDATOR.iter_errors(summary)]


def test_script_in_a_response_body_is_inert() -> None:
    text = render_index_html(sample_summary("failing"))
    assert SCRIPT not in text
    assert "&lt;script&gt;window.__pwned = 1;" in text
    assert len(_Tags(text).find("script")) == 1  # only the report's own script


def test_page_is_self_contained() -> None:
    text = render_index_html(sample_summary("failing"))
    tags = _Tags(text)
    assert [a for a in tags.find("script") if "src" in a] == []
    assert tags.find("link") + tags.find("img") + tags.find("iframe") == []
    assert "@import" not in text and "url(" not in text
    hrefs = {a["href"] for a in tags.find("a")}
    assert {RULES[FAILING_RULE].doc_url} <= hrefs


def test_pretty_body_formats_json_and_xml_and_truncates() -> None:
    assert pretty_body('{"a":[1]}') == ('{\n  "a": [\n    1\n  ]\n}', None)
    xml = "<SendEmailResponse><MessageId>m</MessageId></SendEmailResponse>"
    assert (pretty_body(xml)) == (
        "<SendEmailResponse>\n  <MessageId>m</MessageId>\n</SendEmailResponse>",
        None,
    )
    assert pretty_body("<html><b>oops") == ("<html><b>oops", None)
    shown, note = pretty_body("x" * 50, limit=10)
    assert (shown, note) == ("x" * 10, "truncated: showing the first 10 of 50 characters")


def test_chart_has_one_segment_per_family_and_outcome() -> None:
    titles = re.findall(r"<rect [^>]*><title>([^<]+)</title>", render_index_html(sample_summary()))
    assert titles == [
        "sender: 1 pass", "sandbox: 1 pass", "size: 1 pass", "recipients: 2 pass",
        "recipients: 1 fail", "quota: 1 skip", "request: 1 pass", "envelope: 3 pass",
        "envelope: 1 non-strict", "http: 2 pass", "robust: 1 broken", "ses: 1 pass",
        "rate: 1 pass", "tags: 1 pass", "raw: 3 pass",
    ]  # fmt: skip


# --- redaction --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"id {SECRET_KEY_ID}.", f"id AKIA{MASK}."),
        ("ASIAABCDEFGHIJKLMNOP", f"ASIA{MASK}"),
        (f"aws_secret_access_key = {SECRET_KEY}", f"aws_secret_access_key = {MASK}"),
        (f'{{"SecretAccessKey": "{SECRET_KEY}"}}', f'{{"SecretAccessKey": "{MASK}"}}'),
        (
            "Authorization: AWS4-HMAC-SHA256 Credential=x\nHost: h",
            f"Authorization: {MASK}\nHost: h",
        ),
        (f"-H 'X-Amz-Security-Token: {SESSION_TOKEN}' -d", f"-H 'X-Amz-Security-Token: {MASK}' -d"),
        (f"/?X-Amz-Security-Token={SESSION_TOKEN}&a=1", f"/?X-Amz-Security-Token={MASK}&a=1"),
        (f"?X-Amz-Signature={SIGNATURE}&b=2", f"?X-Amz-Signature={MASK}&b=2"),
        ("no secrets: AKIA short, signature ok", "no secrets: AKIA short, signature ok"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert expected == redact(text)


def test_redact_value_masks_credential_members_whole() -> None:
    value = {"Authorization": "Bearer abc", "n": [SECRET_KEY_ID], "k": 1}
    assert {"Authorization": MASK, "n": [f"AKIA{MASK}"], "k": 1} == redact_value(value)


def test_written_reports_contain_no_planted_secret(tmp_path: Path) -> None:
    runs = [
        (n, write_run(tmp_path / n, sample_summary(s, target=n)))
        for n, s in (("reference", "all-pass"), ("mock", "failing"))
    ]
    write_matrix_html(tmp_path / "matrix", runs)
    written = [*tmp_path.glob("*/index.html"), tmp_path / "matrix" / "matrix.json"]
    assert len(written) == 4
    for path in written:
        text = path.read_text(encoding="utf-8")
        for secret in (SECRET_KEY_ID, SECRET_KEY, SESSION_TOKEN, SIGNATURE):
            assert secret not in text, f"{secret} leaked into {path}"
    assert f"Authorization: {MASK}" in (tmp_path / "mock" / "index.html").read_text()


# --- the matrix -------------------------------------------------------------------------


def _three_runs(root: Path) -> list[tuple[str, Path]]:
    """reference passes; moto and my-mock fail recipients.max; only moto is non-strict."""
    my_mock = sample_summary("failing", target="my-mock")
    for rule in my_mock["rules"]:
        if rule["id"] == "envelope.created-at":
            rule["outcome"] = "pass"
    my_mock["rules"] = [r for r in my_mock["rules"] if r["id"] != "ses.error-codes"]
    summaries = [
        ("reference", sample_summary("all-pass")),
        ("moto", sample_summary("failing")),
        ("my-mock", my_mock),
    ]
    return [(label, write_run(root / label, s)) for label, s in summaries]


def test_matrix_json_cells_equal_each_runs_outcomes(tmp_path: Path) -> None:
    runs = _three_runs(tmp_path / "runs")
    write_matrix_html(tmp_path / "out", runs)
    document = json.loads((tmp_path / "out" / "matrix.json").read_text())
    expected: dict[str, dict[str, str]] = {rule_id: {} for rule_id in RULES}
    read: dict[str, dict[str, int]] = {rule_id: {} for rule_id in RULES}
    for label, report_dir in runs:
        for rule in json.loads((report_dir / "summary.json").read_text())["rules"]:
            expected[rule["id"]][label] = rule["outcome"]
            read[rule["id"]][label] = rule["readable"]
    targets = ["reference", "moto", "my-mock"]
    assert {"targets": targets, "rules": expected, "readable": read} == document
    assert list(RULES) == list(document["rules"])


def test_fails_on_only_one_target(tmp_path: Path) -> None:
    matrix = load_matrix(_three_runs(tmp_path))
    assert only_one_target(matrix) == [("envelope.created-at", "moto", "non-strict")]


def test_matrix_cells_link_to_each_rule_in_its_report(tmp_path: Path) -> None:
    runs = _three_runs(tmp_path / "runs")
    page = write_matrix_html(tmp_path / "out", runs)
    hrefs = [str(a["href"]) for a in _Tags(page.read_text()).find("a")]
    assert 3 * len(RULES) - 1 == len(hrefs)  # my-mock did not run ses.error-codes
    for href in hrefs:
        assert not href.startswith(("/", "file:", "http"))
        path, _, anchor = href.partition("#")
        target = (page.parent / path).resolve()
        assert target.is_file(), href
        assert anchor.removeprefix("rule-") in _articles(target.read_text()), href
    assert "not run" in page.read_text()


def test_a_matrix_cell_says_how_many_answers_its_outcome_rests_on(tmp_path: Path) -> None:
    page = write_matrix_html(tmp_path / "out", _three_runs(tmp_path / "runs")).read_text()
    titles = {str(a["title"]) for a in _Tags(page).find("a") if a.get("title")}
    assert f"reference: {FAILING_RULE} pass on 54 answers read" in titles
    assert f"moto: {FAILING_RULE} fail on 54 answers read" in titles


def test_a_rule_shows_the_answers_its_verdict_rests_on() -> None:
    """Under its examples and in its details: the readable answers (issue 17)."""
    summary = sample_summary("failing")
    page = render_index_html(summary)
    for rule in summary["rules"]:
        article = page.split(f'id="rule-{rule["id"]}"', 1)[1].split("</article>", 1)[0]
        read, judged = rule["readable"], rule["exchanges"]
        assert f">{read} read</small>" in article, rule["id"]
        assert f"{read} answers read as accepted or rejected, of {judged} exchanges" in article


def test_matrix_rejects_repeated_labels(tmp_path: Path) -> None:
    run = write_run(tmp_path / "a", sample_summary("all-pass"))
    with pytest.raises(ValueError, match="repeated: ses"):
        write_matrix_html(tmp_path / "out", [("ses", run), ("ses", run)])


# --- in a real browser (marker `browser`: needs /usr/bin/chromium) ----------------------


def _assert_clean(run: PageRun) -> None:
    """The report never logs, so any console line is an error (or an uncaught exception)."""
    assert run.console == ()


@pytest.mark.browser
def test_report_renders_in_chromium(tmp_path: Path) -> None:
    summary = sample_summary("failing", target="my-mock")
    run = load(write_index_html(tmp_path, summary))
    _assert_clean(run)
    assert 'data-js="ready"' in run.dom  # the script ran to its end
    assert set(RULES) == set(_articles(run.dom))
    assert FAILING_BODY_MARK in run.dom
    curl = redact(_counterexample()["curl"])
    assert curl.startswith("curl -sS -X POST")
    assert html.escape(curl, quote=False) in run.dom
    assert len(_Tags(run.dom).find("script")) == 1
    shot = screenshot(tmp_path / "index.html", tmp_path / "report.png")
    _assert_clean(shot)
    assert (tmp_path / "report.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.browser
def test_filter_box_hides_other_rules_in_chromium(tmp_path: Path) -> None:
    run = load(write_index_html(tmp_path, sample_summary("failing")), query="q=recipients")
    _assert_clean(run)
    shown = {rule_id for rule_id, a in _articles(run.dom).items() if "hidden" not in a}
    assert {r for r in RULES if "recipients" in r} == shown


@pytest.mark.browser
def test_matrix_renders_in_chromium(tmp_path: Path) -> None:
    page = write_matrix_html(tmp_path / "out", _three_runs(tmp_path / "runs"))
    run = load(page)
    _assert_clean(run)
    for rule_id in RULES:
        assert f">{rule_id}</th>" in run.dom, rule_id
    shot = screenshot(page, DOCS_IMG / "matrix.png", size=(1400, 1400))
    _assert_clean(shot)
    assert (DOCS_IMG / "matrix.png").read_bytes().startswith(b"\x89PNG")
