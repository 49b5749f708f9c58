"""The primitives every scenario spec is written in: units, pydantic field types, dotted paths into documents.

May import ``orchestration`` only.
"""
