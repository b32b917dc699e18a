"""Accounts and their lifecycle (end dates, disabling, permission review)."""
