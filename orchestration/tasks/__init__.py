"""The task side: tasks and the task manager with its safeguards, workers, health.

The manager holds the queues and dispatch; preemption, throttling, context
stacking, admission, narratives, SLA escalation and load shedding each have a
module of their own.

May import ``orchestration.core`` only.
"""
