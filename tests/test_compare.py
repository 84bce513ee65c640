"""`sesconf compare`: real `sesconf run` processes against real servers, one matrix."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from conformance.commands import compare
from conformance.errors import UsageError
from conformance.exitcodes import ExitCode
from conformance.profile import load_builtin_profile
from conformance.server.app import start_server
from conformance.server.faults import FAULTS
from tests._servers import closed_port_url

FAULT_1 = "accept-51-recipients"
FAULT_2 = "constant-id"


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    compare.add_parser(parser.add_subparsers())
    return parser.parse_args(["compare", *argv])


def test_compare_runs_every_target_and_the_matrix_matches_their_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    profile = load_builtin_profile("reference")
    out = tmp_path / "cmp"
    with (
        start_server(profile) as ref,
        start_server(profile, fault=FAULT_1) as bad1,
        start_server(profile, fault=FAULT_2) as bad2,
    ):
        args = _parse(
            f"ref={ref.url}",
            f"bad1={bad1.url}",
            f"bad2={bad2.url}",
            "--report-dir",
            str(out),
            "--max-examples",
            "5",
            "--parallel",
            "3",
        )
        code = args.func(args)

    assert ExitCode.RULE_FAILED == code
    matrix = json.loads((out / "matrix.json").read_text("utf-8"))
    assert ["ref", "bad1", "bad2"] == matrix["targets"]
    summaries = {
        label: json.loads((out / label / "summary.json").read_text("utf-8"))
        for label in matrix["targets"]
    }
    for label, summary in summaries.items():
        for rule in summary["rules"]:
            assert rule["outcome"] == matrix["rules"][rule["id"]][label], (label, rule["id"])
    failing = {
        label: {r["id"] for r in s["rules"] if r["outcome"] == "fail"}
        for label, s in summaries.items()
    }
    assert set() == failing["ref"]
    for label, fault in (("bad1", FAULT_1), ("bad2", FAULT_2)):
        rule_id = FAULTS[fault].rule_id
        # a fault may break a neighbour too (51 recipients accepted is also no error
        # envelope), but its own rule fails on its target and nowhere else
        assert {label} == {t for t, ids in failing.items() if rule_id in ids}, rule_id
    assert (out / "index.html").is_file()
    assert [0, 1, 1] == [summaries[label]["exit_code"] for label in ("ref", "bad1", "bad2")]

    printed = capsys.readouterr().out
    for label, verdict in (("ref", "conformant"), ("bad1", "not conformant")):
        line = next(x for x in printed.splitlines() if x.startswith(f"{label} "))
        assert verdict in line
    assert f"matrix: {out / 'index.html'}" in printed


def test_an_unreachable_target_makes_exit_3_unless_a_rule_fails(tmp_path: Path) -> None:
    args = _parse(
        f"gone={closed_port_url()}", "--report-dir", str(tmp_path / "c"), "--max-examples", "2"
    )
    assert ExitCode.TARGET_UNREACHABLE == args.func(args)
    matrix = json.loads((tmp_path / "c" / "matrix.json").read_text("utf-8"))
    assert {"broken"} == {cells["gone"] for cells in matrix["rules"].values()}


@pytest.mark.parametrize(
    ("codes", "worst"),
    [
        ([0, 4, 3, 1, 2, 5], 5),
        ([0, 4, 3, 1, 2, 6], 2),
        ([0, 4, 3, 1, 6], 6),
        ([0, 4, 3, 1], 1),
        ([0, 4, 3], 3),
        ([0, 4], 4),
        ([0, 0], 0),
        ([0, -9], 5),  # killed by a signal: not sesconf's answer, so an internal error
    ],
)
def test_worst_exit_code_order(codes: list[int], worst: int) -> None:
    assert worst == compare.worst_exit_code(codes)


def test_targets_are_parsed_by_form(tmp_path: Path) -> None:
    profile = tmp_path / "mine.toml"
    profile.write_text('name = "mine"\n', "utf-8")
    names = ("reference", "moto")
    assert ("--target", "reference", "--url", "http://h:1/") == compare.parse_target(
        "x=http://h:1/", builtins=names
    ).run_args
    assert ("--target", "moto", "--url", "http://h:1/") == compare.parse_target(
        "moto=http://h:1/", builtins=names
    ).run_args
    assert ("mine", ("--profile", str(profile))) == (
        (t := compare.parse_target(str(profile), builtins=names)).label,
        t.run_args,
    )
    assert ("p", ("--profile", str(profile))) == (
        (t := compare.parse_target(f"p={profile}", builtins=names)).label,
        t.run_args,
    )
    assert () == compare.parse_target("reference", builtins=names).run_args  # embedded
    assert ("--target", "moto") == compare.parse_target("moto", builtins=names).run_args


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        (["nosuch"], "neither a profile file nor a built-in target"),
        (["a=ftp://x"], r"not an http\(s\) URL"),
        (["a b=http://h/"], "label"),
        (["a=http://h:1/", "a=http://h:2/"], "repeated: a"),
    ],
)
def test_bad_targets_are_usage_errors(targets: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        compare.parse_targets(targets)
