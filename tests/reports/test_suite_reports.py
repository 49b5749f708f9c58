"""``chaosbench suite`` writes the HTML report, the Markdown summary and JUnit XML of its own runs."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import yaml

from chaosbench.cli.main import main
from tests.conftest import mmc_document
from tests.reports.html_check import Page

FAST = {"duration": "300s", "warmup": "30s"}


def test_suite_writes_all_three_reports_of_its_runs(tmp_path, capsys):
    documents = [mmc_document(name="steady", **FAST),
                 mmc_document(name="canary_latency", **FAST,
                              steady_state=[{"latency": {"measure": "wait", "quantile": 0.99, "max": "1ms"}}])]
    for document in documents:
        (tmp_path / f"{document['name']}.yaml").write_text(yaml.safe_dump(document))
    (tmp_path / "suite.yaml").write_text(yaml.safe_dump({"name": "s", "scenarios": ["steady.yaml",
                                                                                    "canary_latency.yaml"]}))
    # An older run in the same results folder is not part of this suite's reports.
    main(["run", str(tmp_path / "steady.yaml"), "--seed", "9", "--out", str(tmp_path / "runs" / "old")])
    out = tmp_path / "reports"
    status = main(["suite", str(tmp_path / "suite.yaml"), "--seeds", "2", "--out", str(tmp_path / "runs"),
                   "--db", str(tmp_path / "memory.sqlite"), "--html", str(out / "report.html"),
                   "--md", str(out / "summary.md"), "--junit", str(out / "junit.xml")])
    # The canary fails, as it must: the suite passes, as report passes on the same runs.
    assert status == 0
    capsys.readouterr()
    junit = ET.parse(out / "junit.xml").getroot()
    assert (junit.get("tests"), junit.get("failures"), junit.get("skipped")) == ("4", "0", "2")
    assert Page((out / "report.html").read_text(encoding="utf-8")).sections == ["canary_latency", "steady"]
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "**PASSED: 2 of 2 scenario(s) ok, 4 of 4 run(s)**" in summary and "canary failed as it must" in summary
