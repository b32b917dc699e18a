"""The agenda grid's links (issue 20): routed once per page, written on its cells."""

from urllib.parse import urlencode

from flask import url_for


class CellLinks:
    """The grid's links, routed once per page rather than once per cell (a day of twenty
    agendas holds about a thousand; issue 20). Refs are URL-safe tokens: nothing to escape."""

    def __init__(self):
        self._show = url_for("appointments.show", appointment_ref="-")[:-1]
        self._new = url_for("appointments.new")

    def show(self, ref: str) -> str:
        return self._show + ref

    def new(self, **args) -> str:
        return f"{self._new}?{urlencode(args, safe=':')}"

    def put_on(self, columns) -> None:
        """Each cell's link, each free slot's booking link, each column's own: written on
        them here, so the template prints strings instead of calling per cell."""
        for column in columns:
            day, who = column.day.isoformat(), column.practitioner.ref
            column.book_href = self.new(praticien=who, jour=day)
            for cell in column.cells:
                cell.href = self.show(cell.ref)
                if cell.free_after:
                    # What urlencode writes for "08:30" with ":" kept: the column's link
                    # and the time, without encoding the column's part again per cell.
                    cell.free_href = f"{column.book_href}&heure={cell.end_text}"
                    if cell.free_minutes is not None:
                        cell.free_href += f"&libre={cell.free_minutes}"
