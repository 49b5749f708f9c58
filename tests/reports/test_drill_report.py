"""A drill's section of the HTML report: one line per incident, from the run's ``incidents`` table."""
from __future__ import annotations

from html.parser import HTMLParser

import pytest

from chaosbench.cli.main import main
from chaosbench.reports import write_reports
from chaosbench.reports.drills import HEADER, text_table
from chaosbench.sim.drills.model import Drill, load_drill
from chaosbench.sim.drills.runner import run_drill
from chaosbench.sim.run.rundir import read_run, write_run
from tests.sim.drill_helpers import SHIPPED, drill_document


class IncidentTables(HTMLParser):
    """The rows of every ``table.incidents`` of a page: each a list of (text, class) cells."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tables: list[list[list[tuple[str, str]]]] = []
        self._inside = False
        self._cell: tuple[list[str], str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "table":
            self._inside = attributes.get("class") == "incidents"
            if self._inside:
                self.tables.append([])
        elif self._inside and tag == "tr":
            self.tables[-1].append([])
        elif self._inside and tag in ("td", "th"):
            self._cell = ([], attributes.get("class") or "")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[0].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._inside = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append(("".join(self._cell[0]), self._cell[1]))
            self._cell = None


@pytest.fixture(scope="module")
def drill_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("drill") / "every_incident"
    write_run(run_drill(load_drill(SHIPPED), seed=1, file="scenarios/drills/every_incident.yaml").run, out)
    return out


def test_the_html_report_of_a_drill_shows_a_line_per_incident_with_its_verdict(drill_run, tmp_path):
    write_reports(drill_run, html=tmp_path / "report.html")
    [table] = IncidentTables((tmp_path / "report.html").read_text(encoding="utf-8")).tables
    label, header, *lines = table
    assert label[0][0] == "every_incident[level0-seed1]"
    assert tuple(text for text, _ in header) == HEADER
    assert [line[0][0] for line in lines] == [
        "avn-core-crash", "self-heal-silent", "critical-task-late", "cpu-spike", "rogue-actor", "hunter-distrusted",
        "verification-errors"]
    assert all(line[-1] == ("healed in time", "pass") for line in lines)
    crash = dict(zip(HEADER, (text for text, _ in lines[0]), strict=True))
    assert crash["detected by"] == "system.kernel_crashed (immune_kernel)"
    assert crash["routed to"] == "critical_error, kernel_crash_response"


def test_a_failed_drill_is_a_failed_run_of_the_report_with_its_incident_marked(tmp_path, capsys):
    drill = Drill.model_validate(drill_document([{"at": "60s", "trust_degradation": {"component": "hunter"}}],
                                                {"workflows": {"disabled": ["trust_degradation_review"]}}))
    write_run(run_drill(drill, seed=1).run, tmp_path / "runs" / "small_drill")
    assert main(["report", str(tmp_path / "runs"), "--html", str(tmp_path / "report.html")]) == 1
    assert "failed: small_drill" in capsys.readouterr().out
    [table] = IncidentTables((tmp_path / "report.html").read_text(encoding="utf-8")).tables
    assert table[2][-1] == ("not healed", "fail")


def test_a_drill_read_back_from_its_run_directory_prints_as_it_did(drill_run):
    incidents = read_run(drill_run).table("incidents")
    assert incidents is not None
    text = text_table(incidents, aligned=False).splitlines()
    assert text[0].split("\t") == list(HEADER) and len(text) == 8
    assert text[1].split("\t")[:3] == ["avn-core-crash", "kernel_crash", "avn_core"]
