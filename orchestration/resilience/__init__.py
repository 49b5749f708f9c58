"""Supervision and recovery: the layer-2 watchdog, the immune kernel, the heartbeat monitor, the boot orchestrator
and the learning loop.

May import ``orchestration.core`` and ``orchestration.mesh``.
"""
