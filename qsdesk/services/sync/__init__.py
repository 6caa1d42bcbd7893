"""Sync between a station and its county bureau on a USB stick (format and rules: docs/sync.md).

* :mod:`~qsdesk.services.sync.identity` — enrolment: identity files and fingerprints.
* :mod:`~qsdesk.services.sync.bundle` — the ``.qsb`` file: safe writing, suspicious reading.
* :mod:`~qsdesk.services.sync.exchange` — export, preview/import, receipts, merge rules, history
  (the public names; the code is in ``export``, ``importer``, ``plan``, ``peers`` and
  :mod:`qsdesk.domain.merge`).
* :mod:`~qsdesk.services.sync.conflicts` — the conflicts queue a person resolves.
* :mod:`~qsdesk.services.sync.county` — per-station views of a county database.
"""
