"""The task side: tasks, the task manager (queues, dispatch, preemption, throttling, stacking, admission), workers, health, SLA escalation and load shedding.

May import ``orchestration.core`` only.
"""
