"""Helpers shared by the continuity tests (X2, X8): a backup made through the real command,
the listing, bytes flipped. The `backup_app` fixture (backups in a folder outside the
instance, "another disk") is in conftest.py."""

import json
import shutil
from pathlib import Path

from cabinet import keys


def make_backup(app) -> dict:
    """`flask backup create --json` through the CLI runner; its summary."""
    result = app.test_cli_runner().invoke(args=["backup", "create", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def listed(app) -> list[dict]:
    result = app.test_cli_runner().invoke(args=["backup", "list", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


def copy_of(folder: Path, into: Path) -> Path:
    """A copy of a backup folder, same name, elsewhere (to damage it without losing it)."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / folder.name
    shutil.copytree(folder, target)
    return target


def all_keys(instance: Path) -> dict[str, str]:
    return {name: keys.load(instance / "keys", name) for name in keys.KEY_ENV}
