"""Reviewed names vulture reports but something outside our code uses (`make test` dead-code gate).

Read by ``tools/dead_code.py`` with the sources; never imported. Each group says who uses the
names. Before adding a name here, check that nothing could call it instead: dead code is deleted,
not whitelisted.
"""
# ruff: noqa
# mypy: ignore-errors

_ = object()

# Qt calls these overrides by name (QObject.eventFilter, QWidget events, QWizardPage hooks).
_.eventFilter
_.mousePressEvent
_.mouseMoveEvent
_.tabletEvent
_.paintEvent
_.validatePage
_.initializePage

# Python reads an exception's __cause__ (set to None to drop the driver's chained traceback).
_.__cause__

# SQLAlchemy: event listeners registered by their decorator; DeclarativeBase reads
# type_annotation_map. Mapped columns are the schema (synced and migrated) even where the program
# only writes them or keeps them for older bundles.
_sqlite_pragmas
_binary_arrays
_idle_from
_ping_after_pause
type_annotation_map
enrolled_at
registration_authority
class_reasons
quality_director
published_on
period_start
sent_note

# ReportLab reads these attributes and calls wrap(availWidth, availHeight) positionally.
_.useA85
_.hAlign
_._rowHeights
ah
# openpyxl reads the page-setup properties when it writes the workbook.
_.fitToWidth
_.fitToPage

# Dataclass fields of value objects: part of the record a caller builds or shows (asdict, UI).
matter
link_id
class_key
responsible_id
assignment_id

# Migration scripts (excluded from the scan: Alembic calls their upgrade()/downgrade() by name)
# reuse an earlier revision's SQL through this.
revision_module
