"""Enterprise ↔ form binding: which enterprise column a form field shows.

A form field declares its column in the spec (``column = "legal_rep"`` in ``forms/<id>.toml``);
the census dialog and service, the inspection pre-fill, the risk report pre-fill and the printed
census sheet all read the binding from the spec, so the mapping is written once. This module
holds the vocabulary a binding may name and the load-time checks (an unknown column, a column
that does not fit the field's type, or a census field without a column is a
:class:`~qsdesk.domain.formmodel.FormSpecError` naming the file and key, never a blank on paper).

Binding values:

* a column of the enterprise (:data:`ENTERPRISE_COLUMNS`), e.g. ``"name"``, ``"status"``;
* ``"address"`` on an address field: the parts go to ``province/city/county/town`` and the
  detail to ``address``;
* ``"products"`` on a table: one row per product; its columns bind to :data:`PRODUCT_COLUMNS`;
* read-only summaries (pre-fill only, never written back, not allowed in a census form):
  ``"contact_phone"`` (联系人及电话), ``"products.<product column>"`` (every product's value);
* ``"<party>:<column>"`` (annex 6): the column of the enterprise linked in that role
  (:data:`PARTIES`), e.g. ``"producer:uscc"``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qsdesk.domain.fieldtypes import REGISTRY

__all__ = [
    "ENTERPRISE_COLUMNS",
    "PARTIES",
    "PRODUCT_COLUMNS",
    "Binding",
    "check_binding",
    "parse_binding",
]

#: Enterprise columns a field may bind to directly (the name of the Enterprise attribute).
ENTERPRISE_COLUMNS: frozenset[str] = frozenset(
    {"name", "uscc", "legal_rep", "registration_authority", "jurisdiction", "contact", "phone", "domain",
     "status"}
)
#: Product columns the columns of a ``"products"`` table bind to (order of the census sheet).
PRODUCT_COLUMNS: tuple[str, ...] = (
    "name", "category", "nominal_producer", "standard", "licence_type", "certificate_no"
)
ADDRESS = "address"
PRODUCTS = "products"
CONTACT_PHONE = "contact_phone"
#: Roles in which a form names another enterprise than the record's own (annex 6).
PARTIES: frozenset[str] = frozenset({"producer", "seller"})


@dataclass(frozen=True)
class Binding:
    """A parsed ``column`` value: ``party`` is None for the record's own enterprise."""

    column: str
    party: str | None = None

    @property
    def read_only(self) -> bool:
        """A summary the pre-fill shows but a save never writes back."""
        return self.party is not None or self.column == CONTACT_PHONE or self.column.startswith(f"{PRODUCTS}.")

    @property
    def product_column(self) -> str | None:
        """``"name"`` for ``"products.name"``; None for every other binding."""
        prefix = f"{PRODUCTS}."
        return self.column[len(prefix):] if self.column.startswith(prefix) else None


def parse_binding(value: str) -> Binding:
    """``"producer:uscc"`` → ``Binding("uscc", "producer")``; ValueError (English) if unknown."""
    party, sep, column = value.partition(":")
    if not sep:
        party, column = "", value
    elif party not in PARTIES:
        raise ValueError(f"unknown party {party!r} (expected one of {', '.join(sorted(PARTIES))})")
    b = Binding(column, party or None)
    known = ENTERPRISE_COLUMNS | {ADDRESS, PRODUCTS, CONTACT_PHONE}
    if column not in known and b.product_column not in PRODUCT_COLUMNS:
        raise ValueError(f"unknown enterprise column {column!r}")
    if b.party is not None and column not in ENTERPRISE_COLUMNS:
        raise ValueError(f"{column!r} cannot be read from a linked {b.party}")
    return b


def check_binding(field_type: str, binding: Binding, fail: Callable[[str], Exception]) -> None:
    """Raise ``fail(reason)`` when the bound column cannot fill a field of this type."""
    if (binding.column == ADDRESS) != (field_type == "address"):
        raise fail(f"a {field_type} field cannot bind to {binding.column!r}"
                   if binding.column == ADDRESS else "an address field binds to 'address'")
    if (binding.column == PRODUCTS) != REGISTRY[field_type].tabular:
        raise fail(f"a {field_type} field cannot bind to {binding.column!r}"
                   if binding.column == PRODUCTS else "a table binds to 'products'")
