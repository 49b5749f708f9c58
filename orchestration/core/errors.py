"""Errors the event side raises for bad definitions and failed kernel calls."""

from __future__ import annotations


class DefinitionError(ValueError):
    """A workflow, rule, schema, template or filter that cannot be accepted.

    Carries the file it came from, the path of the offending field (as dotted
    text such as ``workflows[2].actions[0].target``) and what was expected, so
    a command line can report it without a traceback.
    """

    def __init__(self, message: str, *, file: str = "", path: str = "") -> None:
        self.file = file
        self.path = path
        self.message = message
        super().__init__(self.describe())

    def describe(self) -> str:
        where = self.file or "<definition>"
        if self.path:
            where = f"{where}: {self.path}"
        return f"{where}: {self.message}"

    def located(self, *, file: str | None = None, prefix: str = "") -> DefinitionError:
        """The same error placed in ``file`` and under the field path ``prefix``."""
        path = self.path
        if prefix:
            path = f"{prefix}.{path}" if path and not path.startswith("[") else f"{prefix}{path}"
        return DefinitionError(self.message, file=file if file is not None else self.file, path=path)


class KernelError(Exception):
    """A kernel call that failed: the kernel is down, or the call itself failed."""

    def __init__(self, kernel: str, action: str, reason: str) -> None:
        # SimPy rebuilds a failure from ``type(exc)(*exc.args)``: keep the args complete.
        super().__init__(kernel, action, reason)
        self.kernel = kernel
        self.action = action
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.kernel}.{self.action}: {self.reason}"
