"""The chaosbench testbench: scenarios, workloads, faults, probes, the runner and the CLI."""
