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


class Inspection(Aggregate):
    """Events whose timestamps the caller gives, with any offset: ``created_on`` and
    ``modified_on`` inherit them."""

    @event("Opened")
    def __init__(self, site: str, timestamp: datetime) -> None:
        self.site = site

    @event("Inspected")
    def inspect(self, inspector: str, timestamp: datetime) -> None:
        self.inspector = inspector


class Order(Aggregate):
    """UUIDs, Decimals and datetimes nested in dicts and lists, in events and in state."""

    @event("Placed")
    def __init__(self, customer: dict) -> None:
        self.customer = customer
        self.lines = []
        self.delivery = None
        self.status = "open"

    @event("LineAdded")
    def add_line(self, line: dict) -> None:
        self.lines.append(line)

    @event("DeliveryBooked")
    def book_delivery(self, delivery: dict) -> None:
        self.delivery = delivery

    @event("Closed")
    def close(self) -> None:
        self.status = "closed"
