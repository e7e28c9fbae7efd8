"""The process application of the system interop tests (issue 23), written as the Python
original's users write one: ``Tallies`` follows ``Worlds`` and counts each world's events in a
``Tally`` aggregate of its own. Topics are ``system_domain:Tally...``, so keep this file's name:
the Rust tests (tests/tests/python_system.rs) define the same aggregate under these topics, so
that a Rust follower named ``Tallies`` continues the tallies a Python one started.
"""
from __future__ import annotations

import os
import sys
from functools import singledispatchmethod
from typing import Optional
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from eventsourcing.system import ProcessApplication

# interop_domain.py is shared with the fixtures.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "python"))

from interop_domain import World  # noqa: E402


class Tally(Aggregate):
    """How many events a world has had, and what happened last; its id is the world's."""

    @event("Started")
    def __init__(self, world_id: UUID) -> None:
        self.count = 0
        self.last: Optional[str] = None

    @staticmethod
    def create_id(world_id: UUID) -> UUID:
        return world_id

    @event("Counted")
    def add(self, what: Optional[str]) -> None:
        self.count += 1
        if what is not None:
            self.last = what


class Tallies(ProcessApplication):
    """Counts the events of each world; ``processed`` is how many its policy handled."""

    topics = (
        "interop_domain:World.Created",
        "interop_domain:World.SomethingHappened",
    )

    def __init__(self, env=None) -> None:
        super().__init__(env)
        self.processed = 0

    @singledispatchmethod
    def policy(self, domain_event: DomainEventProtocol, processing_event: ProcessingEvent) -> None:
        """Events of other types: nothing to count."""

    @policy.register(World.Created)
    def _(self, domain_event: World.Created, processing_event: ProcessingEvent) -> None:
        self.count(domain_event.originator_id, None, processing_event)

    @policy.register(World.SomethingHappened)
    def _(self, domain_event: World.SomethingHappened, processing_event: ProcessingEvent) -> None:
        self.count(domain_event.originator_id, domain_event.what, processing_event)

    def count(self, world_id: UUID, what: Optional[str], processing_event: ProcessingEvent) -> None:
        try:
            tally = self.repository.get(Tally.create_id(world_id))
        except AggregateNotFoundError:
            tally = Tally(world_id=world_id)
        tally.add(what)
        processing_event.collect_events(tally)
        self.processed += 1
