"""The one input gate for YAML: every scenario, suite, workflow, rule, schema and memory-table file passes here.

A file is read only when it is a regular file (a folder, a FIFO, a device or a
dangling link is refused before anything waits on it) of at most
:data:`MAX_FILE_BYTES`, in UTF-8. Its YAML must be plain data: any explicit
tag (``!!python/object``, ``!!set``, ``!!binary``...) is refused, dates stay
text, a mapping may not repeat a key, nesting stops at :data:`MAX_DEPTH`
levels, and aliases may add at most :data:`MAX_ALIAS_NODES` nodes to the
document (so an alias bomb is refused in milliseconds instead of expanding
to billions of nodes). Every refusal is a :class:`DefinitionError` naming the
file, and the line and column where the YAML says where.

Definition files are parsed once per content: every stack of a sweep reads
the same workflow, rule and schema files, and parsing dominates building a
stack. Callers of :func:`load_yaml` only read the parsed data;
:func:`parse_yaml` returns a fresh document for callers that change it.
"""

from __future__ import annotations

import errno
import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from chaosbench.orchestration.core.errors import DefinitionError

#: Largest input file read, in bytes (512 KiB, about two seconds of parsing): the shipped files are under 8 KiB.
MAX_FILE_BYTES = 512 * 1024
#: Deepest nesting of mappings and sequences, aliases followed.
MAX_DEPTH = 64
#: Most nodes aliases may add to a document once expanded.
MAX_ALIAS_NODES = 10_000

_MERGE = "tag:yaml.org,2002:merge"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
# libyaml's parser when it is installed (several times faster); the rules below are the same either way.
_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _GateError(Exception):
    """A refusal, with the place in the text it refers to."""

    def __init__(self, message: str, mark: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark


class _PlainLoader(_BaseLoader):  # type: ignore[misc]  # PyYAML ships no types
    """The safe loader, reading dates as text and refusing a key written twice in one mapping."""

    yaml_implicit_resolvers = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue  # keys merged in with << may be overridden: that is what merging is for
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node)
            except TypeError:
                raise _GateError(f"a mapping key must be a plain value, got {type(key).__name__}",
                                 key_node.start_mark) from None
            if first is not key_node:
                raise _GateError(f"duplicate key {key!r} (first at line {first.start_mark.line + 1})",
                                 key_node.start_mark)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def read_input(source: str | Path) -> str:
    """The text of the input file ``source``; a :class:`DefinitionError` naming it when it cannot be one."""
    name = str(source)
    try:
        handle = os.open(source, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise DefinitionError(_open_problem(Path(source), exc), file=name) from None
    try:
        kind = os.fstat(handle).st_mode
        if stat.S_ISDIR(kind):
            raise DefinitionError("is a folder, expected a YAML file", file=name)
        if not stat.S_ISREG(kind):
            raise DefinitionError("is not a regular file (a FIFO, socket or device), expected a YAML file",
                                  file=name)
        with os.fdopen(handle, "rb", closefd=False) as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DefinitionError(f"cannot be read: {exc.strerror or exc}", file=name) from None
    finally:
        os.close(handle)
    if len(data) > MAX_FILE_BYTES:
        raise DefinitionError(f"is larger than {MAX_FILE_BYTES:,} bytes, the most an input file may have",
                              file=name)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DefinitionError(f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                              file=name) from None


def _open_problem(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return f"is a dangling link to {os.readlink(path)!r}" if path.is_symlink() else "no such file"
    if exc.errno == errno.ELOOP:
        return "is a link that loops back on itself"
    return f"cannot be read: {exc.strerror or exc}"


def parse_yaml(text: str, name: str) -> Any:
    """The plain data in the YAML ``text`` of the file ``name`` (a fresh object each call)."""
    try:
        return _gated(text)
    except _GateError as exc:
        raise DefinitionError(f"{_where(exc.mark)}{exc.message}", file=name) from None
    except yaml.reader.ReaderError as exc:
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise DefinitionError(f"invalid YAML: character U+{code:04X} at offset {exc.position} is not allowed "
                              f"({exc.reason})", file=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join((getattr(exc, "problem", None) or str(exc)).split())
        raise DefinitionError(f"{_where(mark)}invalid YAML: {problem}", file=name) from None
    except ValueError as exc:  # a scalar YAML reads but Python refuses, such as an integer of 5,000 digits
        raise DefinitionError(f"a value cannot be read: {str(exc).split(':')[0]}", file=name) from None


def load_yaml(source: str | Path, *, text: str | None = None) -> Any:
    """Parse the YAML file ``source`` (or ``text`` labelled ``source``); the result is shared: only read it."""
    name = str(source)
    return _parse(name, read_input(source) if text is None else text)


@lru_cache(maxsize=64)
def _parse(name: str, text: str) -> Any:
    return parse_yaml(text, name)


def _where(mark: Any) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""


def _gated(text: str) -> Any:
    _check_events(text)
    loader = _PlainLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            return None
        _check_expansion(root)
        return loader.construct_document(root)
    finally:
        loader.dispose()


def _check_events(text: str) -> None:
    """Refuse tags and deep nesting from the event stream, before any node is built."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        tag = getattr(event, "tag", None)
        if tag is not None:
            raise _GateError(f"YAML tag {_short(tag)!r} is not allowed: input files hold plain data only "
                             "(tags that build objects are not allowed)", event.start_mark)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _GateError(f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag


def _check_expansion(root: Any) -> None:
    """Refuse a document whose aliases loop, nest it too deep or add too many nodes once expanded."""
    measured: dict[int, tuple[int, int]] = {}  # id(node) -> (nodes once expanded, nesting height)
    open_nodes: set[int] = set()

    def measure(node: Any, depth: int) -> tuple[int, int]:
        known = measured.get(id(node))
        if known is None:
            if id(node) in open_nodes:
                raise _GateError("an alias refers to a node that contains it", node.start_mark)
            open_nodes.add(id(node))
            size, height = 1, 0
            if isinstance(node, (yaml.SequenceNode, yaml.MappingNode)):
                pairs = node.value if isinstance(node, yaml.MappingNode) else [(item,) for item in node.value]
                children = [child for pair in pairs for child in pair]
                for child in children:
                    child_size, child_height = measure(child, depth + 1)
                    size, height = size + child_size, max(height, child_height + 1)
                    if size - len(measured) > MAX_ALIAS_NODES + len(open_nodes):
                        _too_large(node)
            open_nodes.discard(id(node))
            known = measured[id(node)] = (size, height)
        if depth + known[1] > MAX_DEPTH:
            raise _GateError(f"nested deeper than {MAX_DEPTH} levels once its aliases are expanded", node.start_mark)
        return known

    size, _ = measure(root, 0)
    if size - len(measured) > MAX_ALIAS_NODES:
        _too_large(root)


def _too_large(node: Any) -> None:
    raise _GateError(f"its aliases expand to more than {MAX_ALIAS_NODES:,} extra nodes "
                     "(an alias bomb?)", node.start_mark)
