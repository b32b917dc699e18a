"""Audit trail: `trace()` for every domain; chain, verification and viewers.

This package imports no domain: it knows patients only by their opaque ref.
"""

from cabinet.audit.services import trace

__all__ = ["trace"]
