"""A compiled segment query (PostgreSQL SQL) as DuckDB SQL: every difference in one place.

The compiler (``compile.py``) speaks SQLite and PostgreSQL; DuckDB gets the PostgreSQL
statement, rendered with literal values and transpiled by sqlglot. sqlglot's
PostgreSQL→DuckDB output is wrong without an error for the JSON pieces our compiler uses,
so those are rewritten here by hand (checked by running every test case on DuckDB):

- ``col #>> '{a,b}'`` becomes ``JSONB_EXTRACT_SCALAR(col, '{a,b}')``, a function DuckDB does
  not have, with a PostgreSQL text-array path: it is ``json_extract_string(col, '/a/b')``
  (a JSON pointer, which also indexes arrays as PostgreSQL does);
- ``col #> '{a,b}'`` likewise becomes ``json_extract(col, '/a/b')``;
- ``jsonb_typeof(x)`` is kept as is (DuckDB has no such function): it is DuckDB's
  ``json_type(x)`` with its names (``UBIGINT``, ``BIGINT``, ``DOUBLE``, ``VARCHAR``...) mapped
  back to PostgreSQL's (``number``, ``string``...).

What sqlglot gets right and we rely on: ``->``/``->>`` with a key (to ``'$.key'``, in
parentheses: DuckDB's ``->>`` binds looser than ``=``), ``CAST``
to ``TEXT``/``DOUBLE``, window functions (it adds ``NULLS FIRST`` to ``DESC``, PostgreSQL's
order), ``INTERSECT``/``EXCEPT``/``UNION`` (set semantics on both), ``LIKE ... ESCAPE``.
"""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.dialects import postgresql
from sqlglot import exp, parse_one

# Not the psycopg default (pyformat), which doubles every % in a rendered LIKE pattern.
_PG = postgresql.dialect(paramstyle="named")

# DuckDB's json_type names, as PostgreSQL's jsonb_typeof says them.
_JSON_TYPES = {
    "NULL": "null",
    "BOOLEAN": "boolean",
    "BIGINT": "number",
    "UBIGINT": "number",
    "HUGEINT": "number",
    "DOUBLE": "number",
    "VARCHAR": "string",
    "ARRAY": "array",
    "OBJECT": "object",
}


def postgres_text(query: Select) -> str:
    """The statement as PostgreSQL SQL with its values inlined (DuckDB runs it unbound)."""
    return str(query.compile(dialect=_PG, compile_kwargs={"literal_binds": True}))


def to_duckdb(query: Select | str) -> str:
    """A compiled segment query (or its PostgreSQL text) as DuckDB SQL."""
    text = query if isinstance(query, str) else postgres_text(query)
    tree = parse_one(text, read="postgres").transform(_rewrite)
    return tree.sql(dialect="duckdb")


def tables_used(query: Select | str) -> set[str]:
    """The store tables a statement reads (what to load into DuckDB)."""
    text = query if isinstance(query, str) else postgres_text(query)
    tree = parse_one(text, read="postgres")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    return {t.name for t in tree.find_all(exp.Table) if t.name and t.name not in ctes}


def columns_used(query: Select | str) -> set[str]:
    """Every column name the statement mentions (a superset of what each table needs)."""
    text = query if isinstance(query, str) else postgres_text(query)
    return {c.name for c in parse_one(text, read="postgres").find_all(exp.Column)}


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.JSONBExtractScalar):
        return _call("json_extract_string", node.this, _pointer(node.expression))
    if isinstance(node, exp.JSONBExtract):
        return _call("json_extract", node.this, _pointer(node.expression))
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "jsonb_typeof":
        # the new node is not walked again: rewrite its argument here
        (value,) = (e.transform(_rewrite) for e in node.expressions)
        typed = exp.case(_call("json_type", value))
        for duck, pg in _JSON_TYPES.items():
            typed = typed.when(exp.Literal.string(duck), exp.Literal.string(pg))
        return typed
    return node


def _call(name: str, *args: exp.Expression) -> exp.Expression:
    """A DuckDB function by name: ``exp.func`` would parse it into sqlglot's own JSON node,
    which renders our JSON pointer as a key of a JSONPath."""
    return exp.Anonymous(this=name, expressions=list(args))


def _pointer(path: exp.Expression) -> exp.Expression:
    """A PostgreSQL text-array path literal (``'{a, b}'``, possibly cast to ``text[]``) as a
    JSON pointer (``'/a/b'``); the empty path ``'{}'`` is the whole value (``'$'``)."""
    if isinstance(path, exp.Cast):
        path = path.this
    if not (isinstance(path, exp.Literal) and path.is_string):
        raise ValueError(f"a JSON path must be a literal to run on DuckDB, got {path.sql()}")
    keys = pg_text_array(path.this)
    if not keys:
        return exp.Literal.string("$")
    escaped = (k.replace("~", "~0").replace("/", "~1") for k in keys)
    return exp.Literal.string("".join("/" + k for k in escaped))


def pg_text_array(literal: str) -> list[str]:
    """Parse a PostgreSQL one-dimensional text array literal: ``{a, "b,c", d}``."""
    body = literal.strip()
    if not (body.startswith("{") and body.endswith("}")):
        raise ValueError(f"not a PostgreSQL array literal: {literal!r}")
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = was_quoted = False
    for char in body[1:-1]:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted, was_quoted = not quoted, True
        elif char.isspace() and not quoted and (was_quoted or not current):
            continue  # space around an item is not part of it
        elif char == "," and not quoted:
            items.append(_item(current, was_quoted))
            current, was_quoted = [], False
        else:
            current.append(char)
    if current or was_quoted or items:
        items.append(_item(current, was_quoted))
    return items


def _item(chars: list[str], was_quoted: bool) -> str:
    text = "".join(chars)
    return text if was_quoted else text.strip()
