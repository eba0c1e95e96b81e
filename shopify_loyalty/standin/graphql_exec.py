"""Just enough GraphQL execution for a fake Admin API, on graphql-core's parser.

Resolvers return plain dicts shaped like Shopify's objects (``__typename`` included); this
module picks the operation, reads arguments with variables, and projects those dicts onto
the selection sets, honouring aliases, inline fragments and named fragments. A dict value
may be a callable taking the field's arguments (``codes(first: 1)``). Fields the fake does
not model come back as ``null`` rather than failing the query.

The requested cost follows Shopify's rule of thumb: a mutation costs 10; in a query an
object costs 1, a scalar 0, and a connection ``2 + first x (cost of one node, at least 1)``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSyntaxError,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    parse,
    value_from_ast_untyped,
)
from graphql.pyutils import Undefined

from shopify_loyalty.standin.state import isoformat

MUTATION_COST = 10
CONNECTION_PLUMBING = frozenset({"edges", "node", "nodes", "pageInfo"})


class FieldError(Exception):
    """A GraphQL error for one root field; its data comes back ``null``."""

    def __init__(self, message: str, code: str = "argumentLiteralsIncompatible") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class RequestError(Exception):
    """The whole document is refused (syntax, no such operation); no data at all."""

    def __init__(self, message: str, *, locations: list[dict[str, int]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.locations = locations or []


@dataclass(frozen=True)
class Operation:
    node: OperationDefinitionNode
    variables: dict[str, Any]
    fragments: dict[str, FragmentDefinitionNode]

    @property
    def is_mutation(self) -> bool:
        return self.node.operation == OperationType.MUTATION

    @property
    def root_type(self) -> str:
        return "Mutation" if self.is_mutation else "QueryRoot"


def prepare(
    query: str, variables: Mapping[str, Any] | None, operation_name: str | None
) -> Operation:
    """Parse ``query`` and pick the operation to run, with variable defaults filled in."""
    try:
        document: DocumentNode = parse(query)
    except GraphQLSyntaxError as error:
        locations = [{"line": loc.line, "column": loc.column} for loc in error.locations or []]
        raise RequestError(error.message, locations=locations) from None
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name:
        chosen = [op for op in operations if op.name and op.name.value == operation_name]
        if not chosen:
            raise RequestError(f'No operation named "{operation_name}"')
        node = chosen[0]
    elif len(operations) == 1:
        node = operations[0]
    else:
        raise RequestError("An operation name is required when the document has several")
    if node.operation == OperationType.SUBSCRIPTION:
        raise RequestError("Subscriptions are not supported")
    values = dict(variables or {})
    for definition in node.variable_definitions or ():
        name = definition.variable.name.value
        if name not in values and definition.default_value is not None:
            values[name] = value_from_ast_untyped(definition.default_value, values)
    return Operation(node=node, variables=values, fragments=fragments)


def response_key(field: FieldNode) -> str:
    return field.alias.value if field.alias else field.name.value


def arguments(field: FieldNode, operation: Operation) -> dict[str, Any]:
    """The field's arguments as Python values; unset variables are left out."""
    values: dict[str, Any] = {}
    for argument in field.arguments or ():
        value = value_from_ast_untyped(argument.value, operation.variables)
        if value is not Undefined:
            values[argument.name.value] = value
    return values


def collect_fields(
    selection_set: SelectionSetNode | None,
    operation: Operation,
    value: Mapping[str, Any] | None = None,
) -> Iterator[FieldNode]:
    """The fields that apply to ``value`` (fragments filtered by its ``__typename``)."""
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            if _type_applies(selection.type_condition, value):
                yield from collect_fields(selection.selection_set, operation, value)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = operation.fragments.get(selection.name.value)
            if fragment is None:
                raise RequestError(f"Fragment {selection.name.value} was used, but not defined")
            if _type_applies(fragment.type_condition, value):
                yield from collect_fields(fragment.selection_set, operation, value)


def _type_applies(condition: NamedTypeNode | None, value: Mapping[str, Any] | None) -> bool:
    if condition is None or value is None:
        return True
    typename = value.get("__typename")
    wanted = condition.name.value
    return typename is None or wanted == typename or wanted in value.get("__implements", ())


def project(value: Any, selection_set: SelectionSetNode | None, operation: Operation) -> Any:
    """Shape ``value`` like the selection set asks, resolving callables with their arguments."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [project(item, selection_set, operation) for item in value]
    if selection_set is None or not isinstance(value, Mapping):
        return _scalar(value)
    shaped: dict[str, Any] = {}
    for field in collect_fields(selection_set, operation, value):
        name = field.name.value
        if name == "__typename":
            shaped[response_key(field)] = value.get("__typename")
            continue
        raw = value.get(name)
        if callable(raw):
            raw = raw(arguments(field, operation))
        shaped[response_key(field)] = project(raw, field.selection_set, operation)
    return shaped


def _scalar(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def requested_cost(operation: Operation) -> int:
    """Shopify-like requested cost of the whole operation (see the module docstring)."""
    roots = list(collect_fields(operation.node.selection_set, operation))
    if operation.is_mutation:
        return MUTATION_COST * max(1, len(roots))
    return max(1, _selection_cost(operation.node.selection_set, operation))


def _selection_cost(selection_set: SelectionSetNode | None, operation: Operation) -> int:
    total = 0
    for field in collect_fields(selection_set, operation):
        if field.selection_set is None:
            continue
        inner = _selection_cost(field.selection_set, operation)
        args = arguments(field, operation)
        size = args.get("first", args.get("last"))
        if field.name.value in CONNECTION_PLUMBING:
            total += inner
        elif isinstance(size, int) and not isinstance(size, bool):
            total += 2 + max(0, size) * max(1, inner)
        else:
            total += 1 + inner
    return total


def error_entry(
    message: str,
    *,
    field: FieldNode | None = None,
    path: list[str] | None = None,
    code: str | None = None,
) -> dict[str, Any]:
    """One entry of a GraphQL ``errors`` list in Shopify's shape."""
    entry: dict[str, Any] = {"message": message}
    if field is not None and field.loc is not None:
        entry["locations"] = [
            {"line": field.loc.start_token.line, "column": field.loc.start_token.column}
        ]
    if path is not None:
        entry["path"] = path
    if code is not None:
        entry["extensions"] = {"code": code}
    return entry
