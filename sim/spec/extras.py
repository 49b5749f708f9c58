"""The optional parts of chaosbench and the extra that installs each, so that a missing one is named, not a crash.

``pip install chaosbench`` runs scenarios and suites and writes run
directories, JUnit XML and Markdown. The HTML report with its figures
(``[report]``), confidence intervals (``[stats]``), the search for failing
fault schedules (``[explore]``), Dask (``[dask]``) and the notebooks
(``[notebooks]``) are extras; ``[all]`` installs every one.
"""
from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """A feature whose library is not installed: the message names the extra that installs it."""

    def __init__(self, feature: str, module: str, extra: str) -> None:
        super().__init__(f"{feature} needs {module}, which is not installed; install it with "
                         f"pip install 'chaosbench[{extra}]'")
        self.extra = extra


def require(module: str, extra: str, feature: str) -> ModuleType:
    """The module ``module``, or :class:`MissingExtra` naming ``extra`` when it is not installed."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name is not None and exc.name.split(".")[0] != module.split(".")[0]:
            raise  # the module is there and something it needs is not: not a matter of extras
        raise MissingExtra(feature, module, extra) from None
