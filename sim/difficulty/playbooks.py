"""Healing playbooks in the memory database: their outcomes per incident signature, and the ranking learned from them.

Each recorded run adds the immune kernel's attempts (denied ones left out)
to its playbooks' rows of ``memory_self_healing_playbooks``: design document
004's totals and success rate over every signature, the mean time of an
attempt, and per signature (``signature_outcomes``) the attempts, the
successes and the seconds they took.

:func:`learned_ranking` reads them back as the order to try playbooks in,
per signature: those that healed it by success rate, best first (the
document's ``ORDER BY success_rate DESC``), then by the shorter mean attempt
and by name. :func:`ranking_settings` makes it the ``--set`` overrides
(``stack.learning.ranking.<signature>``) that start a run of the chaos loop
from what earlier runs learned: data in the stack's configuration, which the
run's reproduce command carries like any other setting.
"""
from __future__ import annotations

import re
from typing import Any

import pandas as pd

from chaosbench.sim.difficulty.memory import MemoryDB
from chaosbench.sim.scenario.model import Scenario

TABLE = "memory_self_healing_playbooks"
#: A signature a dotted ``--set`` path can name.
_PLAIN = re.compile(r"^[A-Za-z0-9_-]+$")


def record_playbooks(db: MemoryDB, immune: pd.DataFrame | None, learning: pd.DataFrame | None, when: str) -> None:
    """Add a run's healing attempts to each playbook's totals; the durations come from the learning table."""
    if immune is None or immune.empty:
        return
    tried = immune[immune["outcome"] != "denied"]
    durations = _attempt_durations(tried, learning)
    for playbook, rows in tried.groupby("playbook", sort=True):
        previous = db.get(TABLE, playbook) or {}
        outcomes: dict[str, dict[str, float]] = dict(previous.get("signature_outcomes") or {})
        for signature, attempts in rows.groupby("signature", sort=True):
            seen = outcomes.get(str(signature), {"runs": 0, "successes": 0, "seconds": 0.0})
            outcomes[str(signature)] = {
                "runs": int(seen["runs"]) + len(attempts),
                "successes": int(seen["successes"]) + int((attempts["outcome"] == "healed").sum()),
                "seconds": float(seen["seconds"]) + durations.get((str(signature), str(playbook)), 0.0),
            }
        total = sum(int(seen["runs"]) for seen in outcomes.values())
        healed = sum(int(seen["successes"]) for seen in outcomes.values())
        seconds = sum(float(seen["seconds"]) for seen in outcomes.values())
        conditions = set(rows["signature"]) | set(previous.get("trigger_conditions") or [])
        db.upsert(TABLE, {
            "playbook_name": playbook, "trigger_conditions": sorted(conditions),
            "actions": [playbook], "success_rate": healed / total, "total_runs": total, "successful_runs": healed,
            "avg_execution_time_ms": seconds / total * 1000, "last_used_at": when, "risk_level": "medium",
            "requires_approval": False, "signature_outcomes": outcomes,
        })


def _attempt_durations(tried: pd.DataFrame, learning: pd.DataFrame | None) -> dict[tuple[str, str], float]:
    """Seconds spent per (signature, playbook): the learning loop's rows of the immune kernel's attempts."""
    if learning is None or learning.empty:
        return {}
    pairs = set(zip(tried["signature"].astype(str), tried["playbook"].astype(str), strict=True))
    rows = learning[[pair in pairs for pair in zip(learning["signature"], learning["workflow"], strict=True)]]
    return {(str(signature), str(playbook)): float(group["duration"].sum())
            for (signature, playbook), group in rows.groupby(["signature", "workflow"], sort=True)}


def learned_ranking(db: MemoryDB) -> dict[str, list[str]]:
    """Per incident signature, the playbooks that healed it, best first."""
    scores: dict[str, list[tuple[float, float, str]]] = {}
    for row in db.query(TABLE).itertuples(index=False):
        outcomes: dict[str, Any] = row.signature_outcomes or {}
        for signature, seen in outcomes.items():
            runs, successes = int(seen["runs"]), int(seen["successes"])
            if successes:
                scores.setdefault(signature, []).append(
                    (-successes / runs, float(seen["seconds"]) / runs, str(row.playbook_name)))
    return {signature: [name for *_key, name in sorted(ranked)] for signature, ranked in sorted(scores.items())}


def ranking_settings(db: MemoryDB, scenario: Scenario) -> list[tuple[str, str]]:
    """The ``--set`` overrides that start a run of ``scenario`` from the ranking earlier runs learned.

    Only where learning is on and the learned ranking changes the order of a
    signature's configured candidates: the ones that healed it first, best
    first, and the others after them in their configured order.
    """
    stack = scenario.stack
    if not stack.learning.enabled:
        return []
    settings = []
    for signature, healers in learned_ranking(db).items():
        configured = list(stack.immune.playbooks.get(signature, ()))
        if len(configured) < 2 or not _PLAIN.match(signature):
            continue
        first = [name for name in healers if name in configured]
        order = first + [name for name in configured if name not in first]
        if order != configured:
            settings.append((f"stack.learning.ranking.{signature}", " ".join(order)))
    return settings
