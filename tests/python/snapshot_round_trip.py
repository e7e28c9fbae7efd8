"""Snapshots taken by the Python original, read and taken again by Rust, read back by Python.

usage:
  python snapshot_round_trip.py write
      prints {"<case>": {"id", "version", "state"}} for each case: the stored state (JSON text)
      of a snapshot Python took, with the mapper of the interop tests (no compression, no
      cipher).
  python snapshot_round_trip.py read SPEC_JSON
      SPEC_JSON is {"<case>": {"id", "version", "python_state", "rust_state"}}: decodes each
      Rust snapshot with the Python original, rebuilds the aggregate, and compares it and the
      stored state (key by key, in order, all but the snapshot's own timestamp) with Python's.
      Prints {"<case>": [differences]}; empty lists when Rust wrote what Python writes.
"""

import json
import os
import sys
from datetime import datetime, timezone
from uuid import UUID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eventsourcing.domain import Snapshot  # noqa: E402
from eventsourcing.persistence import (  # noqa: E402
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    UUIDAsHex,
)

from fidelity_domain import Invoice  # noqa: E402


def mapper():
    transcoder = JSONTranscoder()
    transcoder.register(UUIDAsHex())
    transcoder.register(DecimalAsStr())
    transcoder.register(DatetimeAsISO())
    return Mapper(transcoder=transcoder)


def cases():
    unsettled = Invoice(number="INV-1", amount=120)
    settled = Invoice(number="INV-2", amount=99)
    settled.settle(datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=timezone.utc))
    return {"unsettled": unsettled, "settled": settled}


def pairs(text):
    return [pair for pair in json.loads(text, object_pairs_hook=list) if pair[0] != "timestamp"]


def write():
    out = {}
    for name, aggregate in cases().items():
        stored = mapper().to_stored_event(Snapshot.take(aggregate))
        out[name] = {
            "id": str(stored.originator_id),
            "version": stored.originator_version,
            "state": stored.state.decode("utf-8"),
        }
    print(json.dumps(out))


def read(spec):
    out = {}
    for name, case in spec.items():
        differences = []
        stored = StoredEvent(
            originator_id=UUID(case["id"]),
            originator_version=case["version"],
            topic="eventsourcing.domain:Snapshot",
            state=case["rust_state"].encode("utf-8"),
        )
        aggregate = mapper().to_domain_event(stored).mutate(None)
        original = mapper().to_domain_event(
            StoredEvent(
                originator_id=UUID(case["id"]),
                originator_version=case["version"],
                topic="eventsourcing.domain:Snapshot",
                state=case["python_state"].encode("utf-8"),
            )
        ).mutate(None)
        mine, theirs = vars(original), vars(aggregate)
        for key in sorted(set(mine) | set(theirs)):
            if key != "_pending_events" and mine.get(key, "<absent>") != theirs.get(key, "<absent>"):
                differences.append(f"{key}: python {mine.get(key, '<absent>')!r}, rust {theirs.get(key, '<absent>')!r}")
        if pairs(case["python_state"]) != pairs(case["rust_state"]):
            differences.append(
                "stored state differs: python " + case["python_state"] + ", rust " + case["rust_state"]
            )
        out[name] = differences
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write()
    else:
        read(json.loads(sys.argv[2]))
