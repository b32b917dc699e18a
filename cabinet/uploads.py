"""Uploaded files stay in memory (an import of patients, a prescription's photo): Werkzeug
spools a file above 500 KiB to a temporary file on disk, in clear, which Cabinet never
allows for patient data (X1). The size is bounded by `MAX_CONTENT_LENGTH` (or a view's own
`request.max_content_length`), which Werkzeug enforces before reading the body (413)."""

import io

from flask import Flask


def keep_uploads_in_memory(app: Flask) -> None:
    """Give the app a request class whose file streams are in memory. Called after
    `Htmx(app)`, which sets its own request class: this one extends it."""
    base = app.request_class

    class InMemoryUploadsRequest(base):
        def _get_file_stream(
            self, total_content_length, content_type, filename=None, content_length=None
        ):
            return io.BytesIO()

    app.request_class = InMemoryUploadsRequest
