"""chaosbench: a chaos and simulation testbench for an event-driven orchestration stack."""
