"""The one setting that lets the app go online: "Allow this app to contact clinicaltrials.gov".

Off by default. The app is offline by design (places come from a bundled gazetteer, nothing is
ever sent anywhere); this setting allows exactly one kind of traffic - reading public study
records from the ClinicalTrials.gov API during an update. It lives in the user's config folder
(platformdirs; `DIRECTORY_APP_CONFIG` overrides the folder), not in the database, because it is
a decision about this computer, not a fact of the directory that sync would spread.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from directory_app.core.storage.atomic import atomic_write_bytes

APP_NAME = "directory-app"
CONFIG_ENV = "DIRECTORY_APP_CONFIG"
FILE_NAME = "online.json"
KEY = "allow_clinicaltrials_gov"

LABEL = "Allow this app to contact clinicaltrials.gov"
EXPLANATION = (
    "When allowed, an update reads public study records from clinicaltrials.gov. Nothing else "
    "ever leaves this computer: no searches, no places, no notes, no usage data."
)


def config_dir() -> Path:
    """The user's config folder for the app (created on the first write only)."""
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP_NAME, appauthor=False))


def setting_path() -> Path:
    return config_dir() / FILE_NAME


def is_online_allowed() -> bool:
    """True only when the user turned the setting on; a missing or unreadable file means off."""
    try:
        data = json.loads(setting_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and data.get(KEY) is True


def set_online_allowed(allowed: bool) -> Path:
    """Store the setting (atomically, so a crash never leaves half a file); returns its path."""
    path = setting_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, json.dumps({KEY: bool(allowed)}, indent=2).encode("utf-8") + b"\n")
    return path
