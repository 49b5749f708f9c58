"""The audit chain: verification and the 5W1H queries."""
from __future__ import annotations

import pytest

from chaosbench.orchestration.core.audit import AUDIT_COLUMNS, AuditLog
from chaosbench.sim.run.runtime import SimRuntime


def filled_log(n: int = 6) -> AuditLog:
    log = AuditLog(SimRuntime(1))
    for i in range(n):
        what = "dispatch" if i % 3 else "shed"
        log.record(who=f"actor{i % 2}", what=what, where=f"w{i}", why=f"reason {i}", how="h", when=float(i))
    return log


def test_an_untouched_chain_verifies_and_its_head_is_the_last_hash():
    log = filled_log()
    assert log.verify() is None
    assert log.head == log.entries[-1].hash and log.entries[1].prev_hash == log.entries[0].hash


def test_entries_recorded_after_the_entries_were_read_chain_and_are_checked_alike():
    log = filled_log(3)
    assert [entry.position for entry in log.entries] == [0, 1, 2]
    for i in range(3):
        log.record(who="late", what="dispatch", where=f"w{i}", why="later", how="h", when=10.0 + i)
    assert log.verify() is None and len(log) == 6 and log.entries[5].who == "late"
    log.entries[4] = log.entries[4]._replace(what="nothing")
    assert log.verify() == 4


@pytest.mark.parametrize("position", range(6))
def test_altering_an_entry_is_detected_at_that_entry(position):
    log = filled_log()
    log.entries[position] = log.entries[position]._replace(why="nothing to see")
    assert log.verify() == position


@pytest.mark.parametrize("position", range(6))
def test_altering_an_entry_and_rehashing_it_is_detected_at_the_next_link(position):
    from chaosbench.orchestration.core.audit import entry_hash

    log = filled_log()
    forged = log.entries[position]._replace(who="mallory")
    log.entries[position] = forged._replace(hash=entry_hash(*forged[:8]))
    assert log.verify() == (position + 1 if position < 5 else 6)


@pytest.mark.parametrize("position", range(6))
def test_deleting_an_entry_is_detected_at_its_position(position):
    log = filled_log()
    del log.entries[position]
    assert log.verify() == position


@pytest.mark.parametrize("first, second", [(0, 1), (1, 4), (3, 5)])
def test_reordering_entries_is_detected_at_the_first_moved_one(first, second):
    log = filled_log()
    entries = log.entries
    entries[first], entries[second] = entries[second], entries[first]
    assert log.verify() == first


def test_queries_filter_by_actor_action_and_time_window():
    log = filled_log()
    assert [e.position for e in log.query(actor="actor0")] == [0, 2, 4]
    assert [e.position for e in log.query(action="shed")] == [0, 3]
    assert [e.position for e in log.query(since=2, until=4)] == [2, 3, 4]
    assert [e.position for e in log.query(actor="actor1", action="dispatch", since=2)] == [5]


def test_entries_are_recorded_in_the_audit_table():
    rt = SimRuntime(1)
    log = AuditLog(rt)
    log.record(who="a", what="b", where="c", why="d", how="e")
    frame = rt.recorder.frame("audit")
    assert tuple(frame.columns) == AUDIT_COLUMNS and frame.loc[0, "hash"] == log.head
    assert log.frame_rows()[0] == tuple(frame.iloc[0])
