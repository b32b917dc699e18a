"""I8: deadlines at their boundaries."""

import datetime

from cabinet.rights.deadlines import add_month, deadlines, urgency

D = datetime.date


def test_medical_record_48_hours_to_8_days():
    assert deadlines("medical_access", D(2026, 11, 29)) == (D(2026, 12, 1), D(2026, 12, 7))


def test_medical_record_older_than_five_years_two_months():
    assert deadlines("medical_access", D(2026, 12, 31), old_information=True) == (
        D(2027, 1, 2),
        D(2027, 2, 28),
    )


def test_other_rights_one_month_with_month_ends():
    assert deadlines("erasure", D(2026, 1, 31)) == (None, D(2026, 2, 28))
    assert deadlines("access", D(2028, 1, 31)) == (None, D(2028, 2, 29))
    assert deadlines("rectification", D(2026, 11, 29)) == (None, D(2026, 12, 29))
    assert add_month(D(2026, 12, 15)) == D(2027, 1, 15)


def test_urgency_boundaries():
    due = D(2026, 12, 7)
    assert urgency(due, D(2026, 12, 3)) == "ok"
    assert urgency(due, D(2026, 12, 4)) == "soon"
    assert urgency(due, D(2026, 12, 7)) == "soon"
    assert urgency(due, D(2026, 12, 8)) == "overdue"
