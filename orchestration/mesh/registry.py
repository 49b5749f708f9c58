"""The workflow registry: the loaded workflows, indexed by event type.

The registry holds one compiled workflow file at a time. Workflows can be
enabled and disabled by name, and the whole file can be replaced -- now, or
at a later simulated time (a scenario swapping the workflow file mid-run).
A replacement is validated when it is requested, so a bad file is refused
before the run reaches the swap.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pydantic import Field

from chaosbench.orchestration.core.errors import DefinitionError
from chaosbench.orchestration.core.sections import Section
from chaosbench.orchestration.core.wiring import Wiring
from chaosbench.orchestration.mesh.event_schema import EventSchemas
from chaosbench.orchestration.mesh.workflow_spec import Configuration, Workflow, WorkflowSet, load_workflow_file


class WorkflowSwap(Section):
    """Replace the workflow file at a simulated time."""

    at: float = Field(ge=0, description="simulated seconds from the start of the run")
    file: str = Field(description="the workflow YAML file swapped in")


class WorkflowsConfig(Section):
    """Where the stack's workflows and event schemas come from, and scheduled swaps."""

    file: str | None = Field(default=None, description="workflow YAML file; unset is the packaged trigger mesh")
    schemas: str | None = Field(default=None, description="event schema YAML file; unset is the packaged one")
    swaps: list[WorkflowSwap] = Field(default=[], description="workflow files swapped in mid-run")
    disabled: tuple[str, ...] = Field(default=(), description="workflows switched off by name")


def default_workflow_path() -> Path:
    """The packaged trigger-mesh workflow file."""
    from importlib import resources

    return Path(str(resources.files("chaosbench.orchestration") / "workflows" / "trigger_mesh_workflows.yaml"))


class WorkflowRegistry:
    """Workflows by name and by event type, with enable/disable and hot reload."""

    def __init__(self, wiring: Wiring, schemas: EventSchemas, workflows: WorkflowSet) -> None:
        self.env = wiring.env
        self.schemas = schemas
        self._emit = wiring.trace.emit
        self._count = wiring.recorder.count
        self.version = 0
        #: Called after every change of the index (reload, enable, disable).
        self.on_change: list[Callable[[], None]] = []
        self._apply(workflows)

    @classmethod
    def from_config(cls, wiring: Wiring, config: WorkflowsConfig) -> WorkflowRegistry:
        """The registry ``config`` describes, with its swaps scheduled (each file validated now)."""
        schemas = EventSchemas.load(config.schemas)
        registry = cls(wiring, schemas, load_workflow_file(config.file or default_workflow_path(), schemas))
        for i, name in enumerate(config.disabled):
            if name not in registry._by_name:
                raise DefinitionError(f"no workflow named {name!r}; the workflows are {', '.join(registry._by_name)}",
                                      path=f"workflows.disabled[{i}]")
            registry.disable(name)
        for swap in config.swaps:
            registry.reload(swap.file, at=swap.at)
        return registry

    # -- lookups --------------------------------------------------------

    def for_type(self, event_type: str) -> tuple[Workflow, ...]:
        """The enabled workflows triggered by ``event_type``, in file order."""
        return self._index.get(event_type, ())

    def get(self, name: str) -> Workflow:
        return self._by_name[name]

    @property
    def workflows(self) -> tuple[Workflow, ...]:
        return self._set.workflows

    @property
    def configuration(self) -> Configuration:
        return self._set.configuration

    @property
    def source(self) -> str:
        return self._set.source

    @property
    def event_types(self) -> list[str]:
        """Event types that trigger at least one enabled workflow."""
        return list(self._index)

    # -- controls -------------------------------------------------------

    def enable(self, name: str) -> None:
        self._by_name[name].enabled = True
        self._reindex()
        self._emit(self.env.now, "workflow.enable", name)
        self._changed()

    def disable(self, name: str) -> None:
        self._by_name[name].enabled = False
        self._reindex()
        self._emit(self.env.now, "workflow.disable", name)
        self._changed()

    def reload(self, path: str | Path, at: float | None = None, text: str | None = None) -> WorkflowSet:
        """Validate the workflow file ``path`` and swap it in now or at simulated time ``at``."""
        workflows = load_workflow_file(path, self.schemas, text=text)
        if at is None or at <= self.env.now:
            self._swap(workflows)
        else:
            timer = self.env.timeout(at - self.env.now, workflows)
            timer.callbacks.append(lambda event: self._swap(event.value))
        return workflows

    # -- internals ------------------------------------------------------

    def _swap(self, workflows: WorkflowSet) -> None:
        self._apply(workflows)
        self._count("registry.reloads")
        # The file's name, not where it lies: a run's trace is the same from any checkout.
        self._emit(self.env.now, "workflow.reload", Path(workflows.source).name, self.version)
        self._changed()

    def _changed(self) -> None:
        for listener in self.on_change:
            listener()

    def _apply(self, workflows: WorkflowSet) -> None:
        self._set = workflows
        self._by_name = {w.name: w for w in workflows.workflows}
        self.version += 1
        self._reindex()

    def _reindex(self) -> None:
        index: dict[str, list[Workflow]] = {}
        for workflow in self._set.workflows:
            if workflow.enabled:
                index.setdefault(workflow.event_type, []).append(workflow)
        self._index = {key: tuple(value) for key, value in index.items()}
