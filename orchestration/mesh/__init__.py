"""The trigger mesh: events and their schemas, the bus, the workflow registry, router, filters, templates and
engine, and the kernels workflows call.

May import ``orchestration.core`` only.
"""
