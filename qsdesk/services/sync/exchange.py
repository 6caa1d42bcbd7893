"""Export and import of sync bundles, receipts, and the merge rules (the public face).

The code lives by concern: :mod:`~qsdesk.services.sync.export` (bundles and receipts out),
:mod:`~qsdesk.services.sync.importer` (checks, then one locked transaction),
:mod:`~qsdesk.services.sync.plan` (plan every row, then apply), :mod:`qsdesk.domain.merge` (the
decision for one row, a pure function) and :mod:`~qsdesk.services.sync.peers` (peer state,
coverage, history). Callers import from here.

Export (:func:`export_bundle`): a station sends every row it changed after the last change the
county acknowledged (``SyncPeerState.acked_change_seq``), so a lost stick is covered by the next
export; a chosen range can be sent again. A county sends master data down to one station: that
station's inspectors, enterprises (by origin or jurisdiction), their products and responsible
supervisor assignments, and the county-wide key product catalogue, notices and form versions
(:data:`COUNTY_TABLES`, accepted only from a county). Every bundle also carries an acknowledgement of what the sender has
applied of the recipient's changes; a *receipt* is a bundle with nothing but that.

Import (:func:`preview_bundle`, :func:`import_bundle`): the file is checked completely before
anything is written (see :mod:`qsdesk.services.sync.bundle`), then planned and applied in one
transaction. Per record:

* unknown here → inserted;
* the same version → nothing;
* otherwise the version with the larger :func:`~qsdesk.services.sync.rows.version_key` wins
  (sealed beats unsealed, then higher ``rev``, later ``updated_at``, ``origin``, content hash) —
  an order every node computes the same way, so any import order converges;
* if the local version is a change the sender had not seen yet (its ``change_seq`` is above the
  sender's acknowledgement), both sides changed it: the loser is kept in ``sync_conflict`` for a
  person to resolve;
* a sealed inspection (or a signature of one) is never replaced by an unsealed version; such an
  incoming version is refused and kept as a conflict.

Rows applied from a bundle keep their ``rev``/``updated_at``/``origin`` and get ``change_seq = 0``
(not a local change: they are never sent back to where they came from).
"""

from __future__ import annotations

from qsdesk.services.sync.export import ExportResult, export_bundle, write_receipt
from qsdesk.services.sync.importer import PHASES, import_bundle, preview_bundle, verify_bundle
from qsdesk.services.sync.peers import (
    COUNTY_TABLES,
    DOWN_TABLES,
    TABLE_LABELS,
    SyncError,
    coverage,
    current_change_seq,
    history,
    peer_states,
    pending_change_count,
)
from qsdesk.services.sync.plan import ConflictNote, ImportReport, TableReport
from qsdesk.services.sync.rows import TABLES
from qsdesk.store.models import Enterprise

__all__ = [
    "COUNTY_TABLES", "DOWN_TABLES", "PHASES", "TABLES", "TABLE_LABELS", "ConflictNote", "Enterprise", "ExportResult",
    "ImportReport", "SyncError", "TableReport", "coverage", "current_change_seq",
    "export_bundle", "history", "import_bundle", "peer_states", "pending_change_count", "preview_bundle",
    "verify_bundle", "write_receipt",
]
