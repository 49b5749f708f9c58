"""What workflow and rule definitions share: strict models and located errors."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from chaosbench.orchestration.core.errors import DefinitionError


class Strict(BaseModel):
    """A definition model: unknown keys are errors, instances are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def validate_model(model: type[BaseModel], data: Any, prefix: str) -> Any:
    """Validate ``data`` as ``model``; the first problem becomes a DefinitionError under ``prefix``."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        path = join_path(prefix, _loc(error["loc"]))
        message = error["msg"]
        if error["type"] == "missing":
            message = f"missing required field {error['loc'][-1]!r}"
        elif error["type"] == "extra_forbidden":
            message = f"unknown field {error['loc'][-1]!r}"
        else:
            message = f"{message} (got {error.get('input')!r})"
        raise DefinitionError(message, path=path) from None


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith("function-"):
            out += f".{part}" if out else str(part)
    return out


def join_path(prefix: str, path: str) -> str:
    """``prefix`` and ``path`` joined as a field path (``a.b``, ``a[0]``)."""
    if not prefix:
        return path
    if not path:
        return prefix
    return f"{prefix}{path}" if path.startswith("[") else f"{prefix}.{path}"
