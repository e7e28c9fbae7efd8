"""The aggregate of the Decimal round trip (issue 22, point 4): its topics are
``fidelity_decimal_domain:<Class>``, so keep this file's name.
"""
from __future__ import annotations

from decimal import Decimal

from eventsourcing.domain import Aggregate, event


class Account(Aggregate):
    """A balance that deposits change with Python's Decimal arithmetic."""

    @event("Opened")
    def __init__(self, balance: Decimal) -> None:
        self.balance = balance

    @event("Deposited")
    def deposit(self, amount: Decimal) -> None:
        self.balance += amount
