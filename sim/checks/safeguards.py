"""The safeguards of the stack, by the names their firings are counted under, and their switches.

Each safeguard counts its firings as ``safeguard.<name>`` and is switched by
the ``enabled`` field of one section of the stack configuration;
:data:`SAFEGUARDS` maps the one to the other, and is the only place that
does. The loader checks ``expect_safeguards`` against these names (and
suggests the closest one for a typo); ``--without NAME`` and ``--only NAME``
read them with :func:`safeguards_off`. The fault catalogue is
:data:`sim.faults.FAULTS`.
"""
from __future__ import annotations

from collections.abc import Iterable

from chaosbench.sim.spec.fields import suggest

#: Each safeguard's counter name (``safeguard.<name>``) -> the dotted path of its section under ``stack``.
SAFEGUARDS: dict[str, str] = {
    "rate_limiter": "router.rate_limiter",
    "dedup": "router.dedup",
    "load_shedder": "htm.shedding",
    "throttle": "htm.throttle",
    "relief_agent": "pool.relief",
    "cascade_breaker": "policy.cascade_breaker",
    "watchdog_restart": "watchdog",
    "worker_reassignment": "pool.reassignment",
    "retry": "engine.retry",
    "dead_letter": "engine.dead_letter",
    "approval_gate": "approval",
    "governance_deny": "governance",
    "sla_escalation": "htm.escalation",
    "preemption": "htm.preemption",
    "boot_retry": "boot.retry",
    "redelivery": "bus.redelivery",
    "ordering": "bus.ordering",
}

#: ``--without all``: every safeguard of the catalogue off.
ALL = "all"

#: The prefix of the actors an ACL flood impersonates; probes recognise their requests by it.
INTRUDER = "intruder"


def check_safeguard(name: str, *, option: str, allow_all: bool = False) -> str:
    """``name`` if it is a safeguard of the catalogue (or ``all`` where allowed); else a ValueError saying so."""
    choices = [*SAFEGUARDS, ALL] if allow_all else list(SAFEGUARDS)
    if name not in choices:
        raise ValueError(f"{option}: unknown safeguard {name!r}{suggest(name, choices)} "
                         f"(expected one of {', '.join(choices)})")
    return name


def safeguards_off(without: Iterable[str] = (), only: Iterable[str] | None = None) -> tuple[str, ...]:
    """The safeguards that ``--without`` (or ``--only``) turns off, in catalogue order.

    ``without`` names safeguards to turn off (``all`` for every one); ``only``,
    when given, turns off every safeguard except those it names. Unknown names
    are a ValueError naming the option.
    """
    off = {check_safeguard(name, option="--without", allow_all=True) for name in without}
    if only is not None:
        kept = {check_safeguard(name, option="--only") for name in only}
        off |= set(SAFEGUARDS) - kept
    return tuple(name for name in SAFEGUARDS if ALL in off or name in off)


def switch_arguments(off: Iterable[str]) -> list[str]:
    """The shortest ``--without``/``--only`` arguments that turn exactly the safeguards ``off`` off."""
    off = set(off)
    kept = [name for name in SAFEGUARDS if name not in off]
    if not off:
        return []
    if not kept:
        return ["--without", ALL]
    if len(kept) < len(off):
        return [argument for name in kept for argument in ("--only", name)]
    return [argument for name in SAFEGUARDS if name in off for argument in ("--without", name)]
