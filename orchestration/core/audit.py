"""The immutable audit log: 5W1H narratives chained by SHA-256.

Every entry holds who did what, when, where, why and how, plus the hash of
the entry before it; its own hash covers all of that. Changing, removing or
reordering any entry breaks the chain at that entry, which ``verify`` names.
An entry is hashed once, when it is recorded: ``verify`` checks every link
and rehashes only the entries that are not the very ones the log recorded
(an entry is a tuple of immutable values, so one still in place holds what
was hashed).
Entries are also appended to the recorder table ``audit`` so a run directory
can keep them (``audit.parquet``). A component built without an audit log
writes to :data:`NULL_AUDIT`, which takes the same calls and keeps nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any, NamedTuple, Protocol

from chaosbench.orchestration.core.runtime import Runtime

GENESIS = "0" * 64
AUDIT_COLUMNS = ("index", "time", "who", "what", "where", "why", "how", "prev_hash", "hash")


class AuditEntry(NamedTuple):
    """One narrative; immutable."""

    position: int  # in the chain, from 0 (not "index", which would shadow tuple.index)
    time: float
    who: str
    what: str
    where: str
    why: str
    how: str
    prev_hash: str
    hash: str


def entry_hash(index: int, time: float, who: str, what: str, where: str, why: str, how: str, prev_hash: str) -> str:
    """The digest of one entry: a compact, unambiguous text of its fields and its predecessor's hash."""
    # Lengths before each text field keep "a|b" + "c" apart from "a" + "b|c".
    text = (
        f"{index}|{time!r}|{len(who)}:{who}|{len(what)}:{what}|{len(where)}:{where}"
        f"|{len(why)}:{why}|{len(how)}:{how}|{prev_hash}"
    )
    return hashlib.sha256(text.encode()).hexdigest()


class AuditLog:
    """An append-only, hash-chained log of 5W1H narratives."""

    def __init__(self, runtime: Runtime) -> None:
        self.env = runtime.env
        self._table = runtime.recorder.table("audit", AUDIT_COLUMNS)
        self._entries: list[AuditEntry] = []
        # The entries as recorded, by reference: verify need not rehash an entry that is still one of these.
        self._recorded: list[AuditEntry] = []
        self.head = GENESIS

    def record(self, *, who: str, what: str, where: str, why: str, how: str, when: float | None = None) -> AuditEntry:
        """Append a narrative (``when`` defaults to now) and return it."""
        time = float(self.env.now if when is None else when)
        index = len(self._entries)
        previous = self.head
        digest = self.head = entry_hash(index, time, who, what, where, why, how, previous)
        entry = AuditEntry(index, time, who, what, where, why, how, previous, digest)
        self._entries.append(entry)
        self._recorded.append(entry)
        self._table.append(*entry)
        return entry

    @property
    def entries(self) -> list[AuditEntry]:
        """The entries in order (the log's own list: what ``verify`` checks)."""
        return self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def verify(self) -> int | None:
        """Position of the first entry that does not chain correctly, or None if the log is intact."""
        previous = GENESIS
        recorded = self._recorded
        for position, entry in enumerate(self._entries):
            if entry.position != position or entry.prev_hash != previous:
                return position
            as_recorded = position < len(recorded) and entry is recorded[position]
            if not as_recorded and entry_hash(*entry[:8]) != entry.hash:
                return position
            previous = entry.hash
        if previous != self.head:
            return len(self._entries)  # entries were cut off the end
        return None

    def query(
        self,
        actor: str | None = None,
        action: str | None = None,
        since: float | None = None,
        until: float | None = None,
    ) -> list[AuditEntry]:
        """Entries by ``actor`` (who), ``action`` (what) and time window ``[since, until]``."""
        return [
            e
            for e in self._entries
            if (actor is None or e.who == actor)
            and (action is None or e.what == action)
            and (since is None or e.time >= since)
            and (until is None or e.time <= until)
        ]

    def frame_rows(self) -> list[tuple[Any, ...]]:
        """The entries as rows in the order of ``AUDIT_COLUMNS``."""
        return [tuple(entry) for entry in self._entries]


class Audit(Protocol):
    """What a component may do with the audit log: add a narrative."""

    def record(self, *, who: str, what: str, where: str, why: str, how: str, when: float | None = None) -> object:
        """Add a 5W1H narrative (``when`` defaults to now)."""


class NullAuditLog:
    """The audit log of a component wired without one: it accepts every narrative and keeps none."""

    def record(self, *, who: str, what: str, where: str, why: str, how: str, when: float | None = None) -> None:
        """Accept a narrative and drop it."""

    def __len__(self) -> int:
        return 0


NULL_AUDIT = NullAuditLog()
