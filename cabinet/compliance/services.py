"""What the continuity page changes: the backup settings (each change traced)."""

from cabinet import settings
from cabinet.audit import trace
from cabinet.db import database

SETTING_KEYS = (
    "backup_dir",
    "backup_copy_dir",
    "backup_time",
    "backup_keep_daily",
    "backup_keep_weekly",
    "backup_keep_monthly",
)


def setting_values() -> dict:
    return {key: settings.get(key) for key in SETTING_KEYS}


def save_settings(actor, values: dict) -> list[str]:
    """Store the values that changed, each traced in the same transaction; their keys."""
    changed = []
    with database.atomic():
        for key in SETTING_KEYS:
            value = settings.validate(key, values[key] if values[key] is not None else "")
            if settings.get(key) != value:
                settings.put(key, value)
                trace(actor, "settings.update", target=f"setting:{key}")
                changed.append(key)
    return changed
