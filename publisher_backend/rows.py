"""One-row INSERT, UPDATE and read for the hottest paths, without compiling a query on every call.

Django compiles each statement anew: for a model of twenty columns that is 0.2–0.8 ms of CPU per statement, and it
was most of what applying a payment notification cost a web process (bench/pay_notify.py). These two build each
statement once per model and column set from the model's own `_meta`, and convert values the way `Model.save()`
does (`Field.pre_save`, then `Field.get_db_prep_save`), so defaults, `auto_now` and JSON columns behave the same;
`row_instance` turns the columns of a written-out SELECT into an instance as a queryset would (its converters).

They send no model signals (nothing in this project listens to model signals) and skip `save()` overrides: use
them only for models whose `save()` is Django's own. Both work on PostgreSQL and on the embedded SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.db import connection
from django.db.models import Field, Model


@cache
def _insert_plan(model: type[Model], unique_fields: tuple[str, ...]) -> tuple[list[Field], str]:
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    unique_columns = [quote(model._meta.get_field(name).column) for name in unique_fields]
    conflict = f" ON CONFLICT ({', '.join(unique_columns)}) DO NOTHING" if unique_columns else ""
    statement = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
                 f"VALUES ({', '.join(['%s'] * len(fields))}){conflict} RETURNING {quote(model._meta.pk.column)}")
    return fields, statement


def row_values(instance: Model, fields: list[Field], *, add: bool) -> tuple:
    """What `Model.save()` would write to these columns of `instance` (auto_now stamped, defaults, JSON adapted)."""
    return tuple(field.get_db_prep_save(field.pre_save(instance, add=add), connection) for field in fields)


def row_insert(instance: Model, *, unless_exists_on: tuple[str, ...] = ()) -> bool:
    """INSERT `instance` (every concrete column but its auto primary key) and set its pk; True when inserted.

    With `unless_exists_on` (the fields of a unique constraint) a row that exists already is left as it is and
    False is returned: ON CONFLICT … DO NOTHING, no savepoint and no IntegrityError for the caller's transaction."""
    fields, statement = _insert_plan(type(instance), unless_exists_on)
    with connection.cursor() as cursor:
        cursor.execute(statement, row_values(instance, fields, add=True))
        inserted = cursor.fetchone()
    if inserted is None:
        return False
    instance.pk = inserted[0]
    instance._state.adding, instance._state.db = False, connection.alias
    return True


@cache
def _update_plan(model: type[Model], field_names: tuple[str, ...]) -> tuple[list[Field], str]:
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return fields, (f"UPDATE {quote(model._meta.db_table)} SET {assignments} "
                    f"WHERE {quote(model._meta.pk.column)} = %s")


def row_update(instance: Model, field_names: Iterable[str]) -> int:
    """UPDATE these columns of `instance`'s row from its attributes (as `save(update_fields=…)`, `auto_now` stamped
    when named); returns how many rows changed (0 if the row is gone)."""
    fields, statement = _update_plan(type(instance), tuple(field_names))
    with connection.cursor() as cursor:
        cursor.execute(statement, [*row_values(instance, fields, add=False), instance.pk])
        return cursor.rowcount


@cache
def _read_plan(model: type[Model], attnames: tuple[str, ...]) -> tuple[list[str], list[tuple[list, object]]]:
    fields = [field for field in model._meta.concrete_fields if field.attname in attnames]
    if len(fields) != len(attnames):
        raise ValueError(f"not all of {attnames} are concrete columns of {model.__name__}")
    converters = []
    for field in fields:
        expression = field.cached_col
        converters.append((connection.ops.get_db_converters(expression)
                           + expression.get_db_converters(connection), expression))
    return [field.attname for field in fields], converters


def row_attnames(model: type[Model], attnames: Iterable[str]) -> list[str]:
    """These columns of `model` in its field order: the order a SELECT must list them in for `row_instance`."""
    return _read_plan(model, tuple(sorted(attnames)))[0]


def row_instance(model: type[Model], attnames: list[str], values) -> Model:
    """An instance of `model` from the values of these columns (`row_attnames` order), converted as a queryset
    converts what it reads (SQLite's dates and booleans, JSON); the other columns are deferred."""
    ordered, converters = _read_plan(model, tuple(sorted(attnames)))
    if ordered != list(attnames):
        raise ValueError(f"columns of {model.__name__} must come in field order: {ordered}")
    converted = []
    for value, (functions, expression) in zip(values, converters, strict=True):
        for function in functions:
            value = function(value, expression, connection)
        converted.append(value)
    return model.from_db(connection.alias, ordered, converted)
