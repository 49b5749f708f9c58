"""The engines the memory database is kept in: a SQLite file or a PostgreSQL database.

Imports nothing else of chaosbench, so the reports can read a memory database without the testbench that
writes it.
"""
