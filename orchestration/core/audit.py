"""The immutable audit log: 5W1H narratives chained by SHA-256.

Every entry holds who did what, when, where, why and how, plus the hash of
the entry before it; its own hash covers all of that. Changing, removing or
reordering any entry breaks the chain at that entry, which ``verify`` names.
An entry is hashed once, when it is recorded: ``verify`` checks every link
and rehashes only the entries that are not the very ones the log recorded
(an entry is a tuple of immutable values, so one still in place holds what
was hashed). Until someone asks for ``entries`` the log keeps plain tuples,
which the garbage collector stops scanning: a long run records one entry
per dispatch.
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
        # The chain holds plain tuples (fields in AUDIT_COLUMNS order), which the garbage collector stops
        # tracking, until ``entries`` is first asked for; from then on AuditEntry objects.
        self._chain: list[tuple[Any, ...]] = []
        # The entries as handed out, by reference, once there are any: verify need not rehash one of these.
        self._recorded: list[AuditEntry] | None = None
        self.head = GENESIS

    def record(self, *, who: str, what: str, where: str, why: str, how: str, when: float | None = None) -> None:
        """Append a narrative (``when`` defaults to now)."""
        time = float(self.env.now if when is None else when)
        chain = self._chain
        index = len(chain)
        previous = self.head
        digest = self.head = entry_hash(index, time, who, what, where, why, how, previous)
        row = (index, time, who, what, where, why, how, previous, digest)
        if self._recorded is not None:
            row = AuditEntry._make(row)
            self._recorded.append(row)
        chain.append(row)
        self._table.add(row)

    @property
    def entries(self) -> list[AuditEntry]:
        """The entries in order (the log's own list: what ``verify`` checks)."""
        if self._recorded is None:
            self._chain = [AuditEntry._make(row) for row in self._chain]
            self._recorded = list(self._chain)  # type: ignore[arg-type]  # every row is an AuditEntry now
        return self._chain  # type: ignore[return-value]  # see above

    def __len__(self) -> int:
        return len(self._chain)

    def verify(self) -> int | None:
        """Position of the first entry that does not chain correctly, or None if the log is intact."""
        previous = GENESIS
        recorded = self._recorded
        for position, entry in enumerate(self._chain):
            if entry[0] != position or entry[7] != previous:
                return position
            as_recorded = recorded is None or (position < len(recorded) and entry is recorded[position])
            if not as_recorded and entry_hash(*entry[:8]) != entry[8]:
                return position
            previous = entry[8]
        if previous != self.head:
            return len(self._chain)  # entries were cut off the end
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
            for e in self.entries
            if (actor is None or e.who == actor)
            and (action is None or e.what == action)
            and (since is None or e.time >= since)
            and (until is None or e.time <= until)
        ]

    def frame_rows(self) -> list[tuple[Any, ...]]:
        """The entries as rows in the order of ``AUDIT_COLUMNS``."""
        return [tuple(entry) for entry in self._chain]


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
