"""Registration for meetings, the waiting list and check-in."""
