"""Simulation mode (design document 003): drills that inject synthetic incidents and record the stack's answers.

An incident file (``scenarios/drills/*.yaml``) names incidents of the kinds the
design documents name; a drill injects each through the stack's public
controls, watches how the stack detects, routes and heals it, and writes one
response record per incident.

May import ``sim.run`` and everything below it.
"""
