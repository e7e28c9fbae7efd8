"""Aggregates of the Python-fidelity round trips (issue 22): their topics are
``fidelity_domain:<Class>``, so keep this file's name.
"""
from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event


class Invoice(Aggregate):
    """Gains ``settled_at`` only when settled: a snapshot taken before has no such key."""

    @event("Issued")
    def __init__(self, number: str, amount: int) -> None:
        self.number = number
        self.amount = amount

    @event("Settled")
    def settle(self, at: datetime) -> None:
        self.settled_at = at
