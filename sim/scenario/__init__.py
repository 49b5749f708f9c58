"""The scenario file: its models, the loader, difficulty levels applied to the raw document, ``--set`` overrides,
discovery.

Composes the specs of ``sim.workloads``, ``sim.faults`` and ``sim.checks``; may import those, ``sim.spec`` and
``orchestration``.
"""
