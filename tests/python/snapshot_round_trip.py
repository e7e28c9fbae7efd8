"""Events and snapshots stored by the Python original, read, extended and stored again by Rust,
and read back by the Python original, which must find what it wrote and what it would write.

usage:
  python snapshot_round_trip.py write
      prints {"<case>": {"id", "events": [{"topic", "version", "state"}], "snapshot": {"version",
      "state"}}}: the stored events of each case's aggregate and a snapshot Python took of it
      (states as JSON text, with the mapper of the interop tests: no compression, no cipher).
  python snapshot_round_trip.py read SPEC_JSON
      SPEC_JSON is {"<case>": {"id", "python": <the case as written>, "rust_events": [...],
      "rust_snapshot": {"version", "state"}, "expect": {"<attribute>": "<isoformat>"}}}, where
      rust_events are all the aggregate's events as Rust stored them: Python's, read and written
      again, then any Rust made. For each case, Python checks that
        - each event it wrote comes back as the same stored state, key by key and byte for byte;
        - replaying Rust's events gives an aggregate whose snapshot (taken by Python) has the
          stored state of Rust's snapshot (all keys in order, but the snapshot's own timestamp);
        - Rust's snapshot rebuilds that same aggregate;
        - the replayed aggregate's attributes in "expect" have those isoformat() values.
      Prints {"<case>": [differences]}; empty lists when Rust wrote what Python writes.
"""

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from decimal import Decimal
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

from fidelity_domain import Inspection, Invoice, Order  # noqa: E402

SNAPSHOT_TOPIC = "eventsourcing.domain:Snapshot"


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
    # Timestamps the caller chose, at offsets other than UTC: created_on keeps -07:00,
    # modified_on +05:45.
    inspected = Inspection(
        site="North yard",
        timestamp=datetime(2023, 3, 4, 5, 6, 7, 89, tzinfo=timezone(timedelta(hours=-7))),
    )
    inspected.inspect(
        inspector="Ann",
        timestamp=datetime(2023, 3, 5, 6, 7, 8, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    )
    # Typed values nested at every depth: in dicts, in lists, in dicts in lists.
    ordered = Order(customer={"id": UUID("6f1c0e52-93a5-4e0b-9d55-1f6e0a3b2c11"), "name": "Ann"})
    ordered.add_line(
        {
            "sku": "A-1",
            "product_id": UUID("0b5e1c7e-2f0a-4c4e-8f43-5a1d8e9c7b21"),
            "price": Decimal("12.50"),
            "added_at": datetime(2024, 5, 6, 7, 8, 9, 10, tzinfo=timezone(timedelta(hours=-7))),
        }
    )
    ordered.book_delivery(
        {
            "address": {"street": "1 Main St", "zone": UUID("a8d3f0c4-5b6e-4f7a-9c1d-2e3f4a5b6c7d")},
            "window": [
                datetime(2024, 5, 7, 9, 0, tzinfo=timezone.utc),
                datetime(2024, 5, 7, 17, 30, tzinfo=timezone(timedelta(hours=5, minutes=45))),
            ],
            "fees": {"base": Decimal("4.99"), "rush": Decimal("10")},
        }
    )
    return {"unsettled": unsettled, "settled": settled, "inspected": inspected, "ordered": ordered}


def pairs(text, but=("timestamp",)):
    return [pair for pair in json.loads(text, object_pairs_hook=list) if pair[0] not in but]


def stored(case_id, topic, version, state):
    return StoredEvent(
        originator_id=UUID(case_id),
        originator_version=version,
        topic=topic,
        state=state.encode("utf-8"),
    )


def write():
    out = {}
    for name, aggregate in cases().items():
        snapshot = mapper().to_stored_event(Snapshot.take(aggregate))
        events = [mapper().to_stored_event(e) for e in aggregate.collect_events()]
        out[name] = {
            "id": str(aggregate.id),
            "events": [
                {"topic": e.topic, "version": e.originator_version, "state": e.state.decode("utf-8")}
                for e in events
            ],
            "snapshot": {"version": snapshot.originator_version, "state": snapshot.state.decode("utf-8")},
        }
    print(json.dumps(out))


def compare_vars(differences, what, mine, theirs):
    mine, theirs = vars(mine), vars(theirs)
    for key in sorted(set(mine) | set(theirs)):
        if key == "_pending_events":
            continue
        a, b = mine.get(key, "<absent>"), theirs.get(key, "<absent>")
        if a != b or (isinstance(a, datetime) and a.utcoffset() != b.utcoffset()):
            differences.append(f"{what}: {key}: python {a!r}, rust {b!r}")


def read(spec):
    out = {}
    for name, case in spec.items():
        differences = []
        rust_events = case["rust_events"]
        for theirs in case["python"]["events"]:
            mine = next((e for e in rust_events if e["version"] == theirs["version"]), None)
            if mine is None or (mine["topic"], mine["state"]) != (theirs["topic"], theirs["state"]):
                differences.append(f"event {theirs['version']}: python wrote {theirs}, rust wrote {mine}")
        aggregate = None
        for e in rust_events:
            aggregate = mapper().to_domain_event(stored(case["id"], e["topic"], e["version"], e["state"])).mutate(aggregate)
        rust_snapshot = case["rust_snapshot"]
        python_snapshot = mapper().to_stored_event(Snapshot.take(aggregate)).state.decode("utf-8")
        if pairs(python_snapshot) != pairs(rust_snapshot["state"]):
            differences.append(f"snapshot state: python {python_snapshot}, rust {rust_snapshot['state']}")
        restored = mapper().to_domain_event(
            stored(case["id"], SNAPSHOT_TOPIC, rust_snapshot["version"], rust_snapshot["state"])
        ).mutate(None)
        compare_vars(differences, "snapshot", aggregate, restored)
        for key, iso in case.get("expect", {}).items():
            value = getattr(aggregate, key, None)
            if not isinstance(value, datetime) or value.isoformat() != iso:
                differences.append(f"{key}: expected {iso}, python has {value!r}")
        out[name] = differences
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write()
    else:
        read(json.loads(sys.argv[2]))
