"""Governance: the intent router and its tiers, approval gates, the simulated operator, trust scores and the
governance gate.

May import ``orchestration.core`` and ``orchestration.tasks``.
"""
