"""Tables declared as data (like osquery's specs): docs, diff rules and validation all read them.

A Table names its key columns; the diff matches rows by key. A volatile column (uptime, counters,
free space) is kept and shown, but its movement is never counted as a change. A sensitive column
is stored only as a keyed hash, so equality stays provable while the value is never stored.
A text column marked `lines` holds file text that the diff shows line by line. A column with
`detail_of` restates another (file text restates the file's sha256): it counts as changed only
when that column changed; its own movement (e.g. text no longer stored because the file stopped
being world-readable) is not a change of the system and goes to the collapsed volatile section.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Literal

from proofshot.model.errors import RowInvalid

ColumnType = Literal["text", "int", "bool", "real", "list"]
Row = dict[str, Any]

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "text": (str,),
    "int": (int,),
    "bool": (bool,),
    "real": (float, int),
    "list": (list,),
}
# the exact types each accepts (validate_many's bulk check; a subclass goes row by row):
# bool is an int, so "real" takes it, as isinstance does
_EXACT_TYPES: dict[str, frozenset[type]] = {
    "text": frozenset({str}), "int": frozenset({int}), "bool": frozenset({bool}),
    "real": frozenset({float, int, bool}), "list": frozenset({list}),
}
_NONE: frozenset[type] = frozenset({type(None)})


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    doc: str
    volatile: bool = False
    sensitive: bool = False
    lines: bool = False
    detail_of: str | None = None

    def to_data(self) -> dict[str, Any]:
        return {
            "detail_of": self.detail_of,
            "name": self.name,
            "type": self.type,
            "doc": self.doc,
            "volatile": self.volatile,
            "sensitive": self.sensitive,
            "lines": self.lines,
        }


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    platforms: tuple[str, ...] = ("linux",)
    collector: str = ""
    # Rows that come and go by themselves (ARP caches, established connections): their
    # appearance or disappearance is a volatile movement, never a change.
    volatile_rows: bool = False
    _by_name: dict[str, Column] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        names = [c.name for c in self.columns]
        if len(set(names)) != len(names):
            raise ValueError(f"table {self.name}: duplicate column")
        missing = [k for k in self.key if k not in names]
        if missing:
            raise ValueError(f"table {self.name}: key column(s) {missing} not declared")
        self._by_name.update({c.name: c for c in self.columns})
        for c in self.columns:
            if c.detail_of and c.detail_of not in names:
                raise ValueError(f"table {self.name}: {c.name} restates unknown {c.detail_of}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def volatile(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.volatile)

    @property
    def detail(self) -> dict[str, str]:
        """detail column -> the column it restates."""
        return {c.name: c.detail_of for c in self.columns if c.detail_of}

    @property
    def sensitive(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.sensitive)

    def validate(self, row: Mapping[str, Any]) -> Row:
        """Check a row against the declaration; missing columns become None (never a sentinel)."""
        extra = set(row) - set(self._by_name)
        if extra:
            raise RowInvalid(f"table {self.name}: undeclared column(s) {sorted(extra)}")
        out: Row = {}
        for col in self.columns:
            value = row.get(col.name)
            if value is None:
                if col.name in self.key:
                    raise RowInvalid(f"table {self.name}: key column {col.name} is empty")
                out[col.name] = None
                continue
            ok = _PY_TYPES[col.type]
            if not isinstance(value, ok) or (col.type == "int" and isinstance(value, bool)):
                raise RowInvalid(
                    f"table {self.name}: column {col.name} expects {col.type}, "
                    f"got {type(value).__name__}"
                )
            out[col.name] = value
        return out

    def validate_many(self, rows: list[Row]) -> list[Row]:
        """`validate` of each row, in bulk: when every row is a dict of exactly the declared
        columns, each column's value types are checked at once (one C-level pass per column)
        and the rows are returned as they are; otherwise (or when a check fails) row by row,
        which gives the same rows and raises the same first error."""
        names = self._by_name.keys()
        if all(type(r) is dict and r.keys() == names for r in rows):
            for col in self.columns:
                allowed = _EXACT_TYPES[col.type] if col.name in self.key else (
                    _EXACT_TYPES[col.type] | _NONE)
                if not set(map(type, map(itemgetter(col.name), rows))) <= allowed:
                    break
            else:
                return rows
        return [self.validate(r) for r in rows]

    def key_of(self, row: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(row[k] for k in self.key)

    def to_data(self) -> dict[str, Any]:
        """The declaration as plain data; stored with every snapshot so diffs need no code."""
        return {
            "name": self.name,
            "doc": self.doc,
            "key": list(self.key),
            "columns": [c.to_data() for c in self.columns],
            "platforms": list(self.platforms),
            "collector": self.collector,
            "volatile_rows": self.volatile_rows,
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Any]) -> Table:
        return cls(
            name=data["name"],
            doc=data["doc"],
            key=tuple(data["key"]),
            columns=tuple(Column(**c) for c in data["columns"]),
            platforms=tuple(data.get("platforms", ())),
            collector=data.get("collector", ""),
            volatile_rows=bool(data.get("volatile_rows", False)),
        )


def col(
    name: str,
    type: ColumnType = "text",
    doc: str = "",
    *,
    volatile: bool = False,
    sensitive: bool = False,
    lines: bool = False,
    detail_of: str | None = None,
) -> Column:
    """Short constructor so declarations read as a table."""
    return Column(name, type, doc, volatile=volatile, sensitive=sensitive, lines=lines,
                  detail_of=detail_of)


def table(
    name: str,
    doc: str,
    key: Iterable[str],
    columns: Iterable[Column],
    platforms: Iterable[str] = ("linux",),
    collector: str = "",
    volatile_rows: bool = False,
) -> Table:
    return Table(name, doc, tuple(key), tuple(columns), tuple(platforms), collector,
                 volatile_rows)
