"""The event policy kernel: the rule engine on the bus, its rules and the cascade breaker.

May import ``orchestration.core``, ``orchestration.mesh`` and ``orchestration.tasks``.
"""
