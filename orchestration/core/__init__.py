"""What every component of the stack stands on: the Runtime protocol, configuration bases, errors, the audit log.

Imports nothing else of ``orchestration``; every other subpackage may import it.
"""
