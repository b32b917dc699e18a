"""What the journal needs to name people without importing a domain (`audit` imports none):
the composition root provides the accounts and the patients' names."""

from collections.abc import Callable

from flask import Flask, current_app


def provide(app: Flask, accounts: Callable[[], dict], patient_names: Callable[[set], dict]) -> None:
    app.extensions["cabinet.accounts"] = accounts
    app.extensions["cabinet.patient_names"] = patient_names


def accounts() -> dict[int, tuple[str, str]]:
    """{account id: (ref, display name)}."""
    return current_app.extensions.get("cabinet.accounts", dict)()


def patient_names(refs: set[str]) -> dict[str, str]:
    """{patient ref: name}, for the refs that still name someone."""
    return current_app.extensions.get("cabinet.patient_names", lambda refs: {})(refs)
