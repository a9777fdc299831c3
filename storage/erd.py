"""The schema as a Graphviz diagram (dot), drawn from the models' metadata.

One node per table listing its columns with their PostgreSQL types (PK and FK marked), one edge
per foreign key from the referring column to the referred one. Render with
`dot -Tsvg schema.dot -o schema.svg`.
"""

from __future__ import annotations

from html import escape

from sqlalchemy import Column, MetaData, Table
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import CompileError

from storage.models import Base

_DIALECT = postgresql.dialect()  # type: ignore[no-untyped-call]


def column_type(column: Column[object]) -> str:
    """The column's type as PostgreSQL spells it (`VARCHAR(120)`, `product_status`, …)."""
    try:
        return str(column.type.compile(dialect=_DIALECT))
    except CompileError:
        return type(column.type).__name__


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '\\"') + '"'


def _column_row(column: Column[object]) -> str:
    marks = []
    if column.primary_key:
        marks.append("PK")
    if column.foreign_keys:
        marks.append("FK")
    name = f"<B>{escape(column.name)}</B>" if column.primary_key else escape(column.name)
    nullable = "" if column.nullable else " NOT NULL"
    return (
        f'<TR><TD PORT="{escape(column.name)}" ALIGN="LEFT">{name}</TD>'
        f'<TD ALIGN="LEFT">{escape(column_type(column) + nullable)}</TD>'
        f'<TD>{" ".join(marks)}</TD></TR>'
    )


def _table_node(table: Table) -> str:
    # Keys first, then the columns in table order (the mixins put `id` last otherwise).
    columns = sorted(table.columns, key=lambda column: not column.primary_key)
    rows = "".join(_column_row(column) for column in columns)
    header = (
        f'<TR><TD COLSPAN="3" BGCOLOR="#dbe7f5"><B>{escape(table.name)}</B></TD></TR>'
    )
    label = f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0">{header}{rows}</TABLE>>'
    return f"  {_quote(table.name)} [label={label}];"


def _foreign_key_edges(table: Table) -> list[str]:
    edges = []
    for fk in sorted(table.foreign_keys, key=lambda fk: (fk.parent.name, fk.target_fullname)):
        target = fk.column
        edges.append(
            f"  {_quote(table.name)}:{_quote(fk.parent.name)} -> "
            f"{_quote(target.table.name)}:{_quote(target.name)};"
        )
    return edges


def schema_dot(metadata: MetaData | None = None, *, name: str = "marketbot") -> str:
    """The whole schema as one dot digraph."""
    metadata = metadata or Base.metadata
    tables = sorted(metadata.tables.values(), key=lambda t: t.name)
    lines = [
        f"digraph {_quote(name)} {{",
        "  graph [rankdir=LR, fontname=Helvetica];",
        "  node [shape=plaintext, fontname=Helvetica, fontsize=10];",
        # Many referring rows (crow's foot) to one referred row (tee).
        '  edge [dir=both, arrowtail=crow, arrowhead=tee, color="#55606e"];',
    ]
    lines += [_table_node(table) for table in tables]
    for table in tables:
        lines += _foreign_key_edges(table)
    lines.append("}")
    return "\n".join(lines) + "\n"
