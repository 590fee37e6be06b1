"""Hot statements: a Core statement compiled once, run straight on the request's psycopg connection.

An authenticated request runs the token's session check, and a hot list its page query, on every request.
Through `Session.execute` each run costs ~0.5-1 ms of Python before and after PostgreSQL's part (the cache key
of the statement, the compiled-cache lookup, the execution context, the ORM's or Core's result machinery):
more than PostgreSQL spends on the query itself (bench/RESULTS.md). A `HotStatement` is compiled once per
process; a run hands the SQL string and the parameters to a psycopg cursor of the session's own connection (same
transaction), or of the request's autocommit one inside `reads_without_transaction` (app/common/session.py), so
psycopg prepares it on the server after DB_PREPARE_THRESHOLD runs, and returns plain tuples.

What it keeps from `Session.execute`: autoflush, the columns' and parameters' type processors (TypeDecorators such as
UTCDateTime run as usual), the engine's `before_cursor_execute` listeners (the statement-count tests see every
hot statement) and SQLAlchemy's error handling (errors arrive wrapped as `sqlalchemy.exc.DBAPIError`
subclasses, and a dropped connection is invalidated in the pool). What it refuses: statements whose SQL
depends on the values (expanding IN, literal_execute): pass a list to `= ANY(:param)` instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import Executable, inspect
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.common.models import UTCDateTime
from app.common.session import statement_connection
from app.extensions import db

TIMESTAMPTZ_OID = 1184


class HotStatement:
    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._dialect: Dialect | None = None

    def _compile(self, dialect: Dialect) -> None:
        compiled = self._statement.compile(dialect=dialect)
        if compiled.literal_execute_params or compiled.post_compile_params:
            raise TypeError("a HotStatement's SQL must not depend on its values: use = ANY(:param) for lists")
        self.sql: str = compiled.string
        self.keys: tuple[str, ...] = tuple(str(column[0]) for column in compiled._result_columns)  # no quoted_name
        binds = {compiled.bind_names[bind]: bind for bind in compiled.binds.values()}
        processors = {name: bind.type.dialect_impl(dialect).bind_processor(dialect) for name, bind in binds.items()}
        self._bind_processors = {name: process for name, process in processors.items() if process is not None}
        # The statement's own literals (anonymous binds); the named ones come with every run.
        self._defaults = {
            name: self._process_bind(name, bind.effective_value) for name, bind in binds.items() if not bind.required
        }
        self._result_types = [column[3].dialect_impl(dialect) for column in compiled._result_columns]
        self._result_processors: tuple[tuple[int, Callable[[Any], Any]], ...] | None = None
        self._utc_processors: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
        self._dialect = dialect

    def _process_bind(self, name: str, value: Any) -> Any:
        process = self._bind_processors.get(name)
        return value if process is None or value is None else process(value)

    def _bound(self, params: dict[str, Any]) -> tuple[Connection, dict[str, Any]]:
        """The connection to run on and the values of the statement's parameters, as their types store them."""
        session = db.session()
        if session.autoflush:
            session.flush()  # as Session.execute autoflushes (returns at once when nothing is pending)
        connection = statement_connection(session)
        if self._dialect is None:
            self._compile(connection.dialect)
        values = dict(self._defaults)
        for name, value in params.items():
            values[name] = self._process_bind(name, value)
        return connection, values

    def _run(self, params: dict[str, Any], fetch: Callable[[Any], Any]) -> Any:
        connection, values = self._bound(params)
        engine = connection.engine
        cursor = connection.connection.driver_connection.cursor()
        try:
            if engine.dispatch.before_cursor_execute:
                engine.dispatch.before_cursor_execute(connection, cursor, self.sql, values, None, False)
            cursor.execute(self.sql, values)
            if self._result_processors is None:  # some depend on the type PostgreSQL reports (numeric vs float)
                self._set_result_processors(cursor.description or ())
            rows = fetch(cursor)
            # TimeZone=UTC (DB_OPTIONS): psycopg's timestamptz values are already what UTCDateTime would make them.
            processors = self._utc_processors if cursor.connection.info.timezone is UTC else self._result_processors
            return rows, processors
        except self._dialect.loaded_dbapi.Error as error:
            # SQLAlchemy's own handling: the wrapped exception, and a dead connection invalidated in the pool.
            connection._handle_dbapi_exception(error, self.sql, values, cursor, None)
            raise  # not reached: _handle_dbapi_exception raises
        finally:
            cursor.close()

    def _set_result_processors(self, description: Sequence[Any]) -> None:
        columns = tuple(zip(self._result_types, description, strict=True))
        processors = (
            (index, kind.result_processor(self._dialect, column[1])) for index, (kind, column) in enumerate(columns)
        )
        self._result_processors = tuple((index, process) for index, process in processors if process is not None)
        self._utc_processors = tuple(
            (index, process)
            for index, process in self._result_processors
            if not (isinstance(columns[index][0], UTCDateTime) and columns[index][1][1] == TIMESTAMPTZ_OID)
        )

    def copy_out(self, **params: Any) -> Iterator[memoryview]:
        """The rows of `COPY (statement) TO STDOUT` in PostgreSQL's text format, one row (with its newline) at a
        time as they arrive: no cursor round trip per batch, and PostgreSQL formats every value. COPY takes no
        server-side parameters, so psycopg binds the values into the statement on the client (quoted by its
        adapters). Leaving early (a client that hung up) ends the COPY on the connection."""
        connection, values = self._bound(params)
        sql = f"COPY ({self.sql}) TO STDOUT"
        engine = connection.engine
        cursor = connection.connection.driver_connection.cursor()
        try:
            if engine.dispatch.before_cursor_execute:
                engine.dispatch.before_cursor_execute(connection, cursor, sql, values, None, False)
            with cursor.copy(sql, values) as copy:
                yield from copy
        except self._dialect.loaded_dbapi.Error as error:
            connection._handle_dbapi_exception(error, sql, values, cursor, None)
            raise  # not reached: _handle_dbapi_exception raises
        finally:
            cursor.close()

    @staticmethod
    def _processed(row: tuple | None, processors: tuple[tuple[int, Callable[[Any], Any]], ...]) -> tuple | None:
        if row is None or not processors:
            return row
        row = list(row)
        for index, process in processors:
            row[index] = process(row[index])
        return tuple(row)

    def first(self, **params: Any) -> tuple | None:
        """The first row as a tuple, or None."""
        row, processors = self._run(params, lambda cursor: cursor.fetchone())
        return self._processed(row, processors)

    def all(self, **params: Any) -> list[tuple]:
        """Every row as a tuple."""
        rows, processors = self._run(params, lambda cursor: cursor.fetchall())
        if not processors:
            return rows
        return [self._processed(row, processors) for row in rows]

    def dicts(self, **params: Any) -> list[dict[str, Any]]:
        """Every row as a dict of its column labels (a hot list's page: processed in the dicts, no row copied)."""
        rows, processors = self._run(params, lambda cursor: cursor.fetchall())  # the first run sets the keys
        keys = self.keys
        records = [dict(zip(keys, row, strict=True)) for row in rows]
        for index, process in processors:
            key = keys[index]
            for record in records:
                record[key] = process(record[key])
        return records


def loaded(model: type, values: dict[str, Any]) -> Any:
    """The row (every column of `model`, by attribute name) as the session's instance, as a query would load it:
    the identity map's own if it holds that row (its expired attributes refreshed from `values`), else a new
    persistent instance whose columns count as loaded and unchanged (no attribute events; relationships load
    lazily as usual). A column missing from `values` loads when first read (`make_transient_to_detached`
    expires what the instance lacks)."""
    session = db.session()
    mapper, keys = _MAPPED.get(model) or _mapped(model)
    key = mapper.identity_key_from_primary_key(tuple(values[name] for name in keys))
    known = session.identity_map.get(key)
    if known is not None:
        expired = inspect(known).unloaded
        for name, value in values.items():
            if name in expired:
                set_committed_value(known, name, value)
        return known
    instance = mapper.class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    session.add(instance)
    return instance


_MAPPED: dict[type, tuple[Any, tuple[str, ...]]] = {}


def _mapped(model: type) -> tuple[Any, tuple[str, ...]]:
    mapper = inspect(model)
    _MAPPED[model] = mapper, tuple(mapper.get_property_by_column(column).key for column in mapper.primary_key)
    return _MAPPED[model]
