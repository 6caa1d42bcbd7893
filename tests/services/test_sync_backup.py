"""A checked bundle is applied only after a backup of the receiving database was taken."""

from __future__ import annotations

from pathlib import Path

from qsdesk.services.sync.exchange import export_bundle, import_bundle
from qsdesk.store.backup import database_revision, list_backups
from tests.services.sync_helpers import COUNTY, add_enterprise, make_pair


def test_import_backs_up_first_and_replay_does_not(tmp_path: Path) -> None:
    pair = make_pair(tmp_path)
    try:
        add_enterprise(pair.station)
        bundle = export_bundle(pair.station, COUNTY, pair.usb).path
        assert list_backups(pair.county.data_dir.backups) == []
        import_bundle(pair.county, bundle)
        made = list_backups(pair.county.data_dir.backups)
        assert [b.reason for b in made] == ["import"]
        assert database_revision(made[0].path) is not None
        assert import_bundle(pair.county, bundle).status == "already"  # nothing to protect: no backup
        assert len(list_backups(pair.county.data_dir.backups)) == 1
    finally:
        pair.close()
