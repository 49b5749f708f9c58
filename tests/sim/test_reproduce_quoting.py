"""The reproduce command is quoted for a shell: split back, it gives every argument as it was, and runs nothing else."""
from __future__ import annotations

import json
import shlex
import subprocess
import sys

from hypothesis import example, given
from hypothesis import strategies as st

from chaosbench.cli.main import build_parser, main
from chaosbench.sim.run.runner import reproduce_command
from tests.conftest import mmc_document

#: What a path may hold on a POSIX file system: any character but NUL.
paths = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)), min_size=1, max_size=40)


@given(file=paths, seed=st.integers(0, 2**63 - 1), level=st.integers(0, 1000),
       title=st.text(st.characters(exclude_characters="\x00,", exclude_categories=("Cs",)), max_size=20))
@example(file="x; touch PWNED #.yaml", seed=1, level=0, title="")
@example(file="--seed", seed=1, level=0, title="a b")
@example(file="$(rm -rf ~)'\"\n.yaml", seed=3, level=2, title="'")
def test_a_reproduce_line_splits_back_into_the_same_command(file, seed, level, title):
    command = reproduce_command(file, seed, level, [("stack.htm.workers", 7), ("title", title)],
                                without=["dedup"])
    argv = shlex.split(command)
    assert argv[:2] == ["chaosbench", "run"]
    args = build_parser().parse_args(argv[1:])
    assert (args.scenario, args.seed, args.level, args.without) == (file, seed, level, ["dedup"])
    assert [path for path, _ in args.sets] == ["stack.htm.workers", "title"]


def test_a_hostile_file_name_runs_nothing_but_the_run(tmp_path, write_scenario, capsys):
    failing = mmc_document(duration="60s", warmup="0s", steady_state=[{"throughput": {"min": "100/s"}}])
    path = write_scenario(failing, "x; touch PWNED #.yaml")
    assert main(["run", str(path), "--out", str(tmp_path / "first")]) == 1
    reproduce = json.loads((tmp_path / "first" / "journal.json").read_text())["reproduce"]
    assert shlex.split(reproduce)[2] == str(path)
    shell = reproduce.replace("chaosbench run", f"{shlex.quote(sys.executable)} -m chaosbench run", 1)
    completed = subprocess.run(["bash", "-c", f"{shell} --out {shlex.quote(str(tmp_path / 'again'))}"],
                               cwd=tmp_path, capture_output=True, text=True, check=False,
                               )
    assert completed.returncode == 1, completed.stderr
    assert not (tmp_path / "PWNED").exists()
    assert (tmp_path / "again" / "journal.json").is_file()


def test_the_html_report_escapes_the_reproduce_command(tmp_path, write_scenario):
    failing = mmc_document(duration="60s", warmup="0s", steady_state=[{"throughput": {"min": "100/s"}}])
    path = write_scenario(failing, "<b onmouseover=alert(1)>x.yaml")
    main(["run", str(path), "--out", str(tmp_path / "runs" / "one")])
    main(["report", str(tmp_path / "runs"), "--html", str(tmp_path / "report.html")])
    page = (tmp_path / "report.html").read_text()
    assert "<b onmouseover" not in page and "&lt;b onmouseover=alert(1)&gt;x.yaml" in page
