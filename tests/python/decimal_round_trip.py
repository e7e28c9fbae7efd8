"""Decimal balances: snapshots taken by the Python original, read by Rust, changed by a Rust
event computed with PyDecimal, snapshotted by Rust, and read back by Python.

usage:
  python decimal_round_trip.py write
      prints {"<case>": {"id", "version", "state", "balance", "deposit"}} for each case: the
      stored state (JSON text) of a snapshot Python took of an Account, the balance Python
      holds (str), and the amount Rust is to deposit (str). The mapper is that of the interop
      tests (no compression, no cipher).
  python decimal_round_trip.py read SPEC_JSON
      SPEC_JSON is {"<case>": {"id", "version", "python_state", "rust_state_before",
      "event_topic", "event_version", "event_state", "rust_state", "rust_balance"}}: Rust's
      snapshot of the account as it read it (rust_state_before), Rust's Deposited event, and
      Rust's snapshot after it. Python checks that Rust's first snapshot is its own, applies
      Rust's event to its own account with its own arithmetic, and compares the result with
      Rust's balance and last snapshot (the aggregate's attributes by repr, and the stored state
      key by key, in order, all but the snapshot's own timestamp). Prints {"<case>":
      [differences]}; empty lists when Rust computed and wrote what Python does.
"""

import json
import os
import sys
from decimal import Decimal
from uuid import UUID

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from eventsourcing.domain import Snapshot  # noqa: E402
from eventsourcing.persistence import StoredEvent  # noqa: E402

from fidelity_decimal_domain import Account  # noqa: E402
# The mapper of the interop tests, and stored state as (key, value) pairs but the timestamp.
from snapshot_round_trip import mapper, pairs  # noqa: E402

SNAPSHOT_TOPIC = "eventsourcing.domain:Snapshot"


def cases():
    """Each case: the account Python snapshots, and the amount Rust deposits after."""
    cents = Account(balance=Decimal("0"))
    cents.deposit(Decimal("4.20"))
    cents.deposit(Decimal("0E-8"))  # 4.20000000: Python keeps the smaller exponent
    thousand = Account(balance=Decimal("1E+3"))
    negative_zero = Account(balance=Decimal("-0.00"))
    rounded = Account(balance=Decimal("9999999999999999999999999999"))
    rounded.deposit(Decimal("0.5"))  # 1.000000000000000000000000000E+28: 28 digits, half-even
    return {
        "cents": (cents, "0.01"),  # 4.21000000
        "thousand": (thousand, "0E+2"),  # 1.0E+3
        "negative_zero": (negative_zero, "-0"),  # -0.00
        "rounded": (rounded, "12345.6789"),  # 1.000000000000000000000001235E+28
    }


def snapshot_of(case, state):
    stored = StoredEvent(
        originator_id=UUID(case["id"]),
        originator_version=case["version"],
        topic=SNAPSHOT_TOPIC,
        state=state.encode("utf-8"),
    )
    return mapper().to_domain_event(stored)


def write():
    out = {}
    for name, (account, deposit) in cases().items():
        stored = mapper().to_stored_event(Snapshot.take(account))
        out[name] = {
            "id": str(stored.originator_id),
            "version": stored.originator_version,
            "state": stored.state.decode("utf-8"),
            "balance": str(account.balance),
            "deposit": deposit,
        }
    print(json.dumps(out))


def attribute_differences(mine, theirs):
    mine, theirs = vars(mine), vars(theirs)
    return [
        f"{key}: python {mine.get(key, '<absent>')!r}, rust {theirs.get(key, '<absent>')!r}"
        for key in sorted(set(mine) | set(theirs))
        # repr, not ==: Decimal("1E+3") == Decimal("1000"), but they are not the same value.
        if key != "_pending_events" and repr(mine.get(key, "<absent>")) != repr(theirs.get(key, "<absent>"))
    ]


def read(spec):
    out = {}
    deposits = {name: deposit for name, (_, deposit) in cases().items()}
    for name, case in spec.items():
        differences = []
        if pairs(case["python_state"]) != pairs(case["rust_state_before"]):
            differences.append(
                "Rust's snapshot of what it read differs: python "
                + case["python_state"]
                + ", rust "
                + case["rust_state_before"]
            )
        account = snapshot_of(case, case["python_state"]).mutate(None)
        expected = account.balance + Decimal(deposits[name])
        event = mapper().to_domain_event(
            StoredEvent(
                originator_id=UUID(case["id"]),
                originator_version=case["event_version"],
                topic=case["event_topic"],
                state=case["event_state"].encode("utf-8"),
            )
        )
        if repr(event.amount) != repr(Decimal(deposits[name])):
            differences.append(f"amount: python {Decimal(deposits[name])!r}, rust {event.amount!r}")
        account = event.mutate(account)
        if repr(account.balance) != repr(expected):
            differences.append(f"Rust's event applied by Python: {account.balance!r}, expected {expected!r}")
        if case["rust_balance"] != str(expected):
            differences.append(f"balance: python {expected}, rust {case['rust_balance']}")
        rust_snapshot = snapshot_of(dict(case, version=case["event_version"]), case["rust_state"])
        differences += attribute_differences(account, rust_snapshot.mutate(None))
        python_state = mapper().to_stored_event(Snapshot.take(account)).state.decode("utf-8")
        if pairs(python_state) != pairs(case["rust_state"]):
            differences.append("stored state differs: python " + python_state + ", rust " + case["rust_state"])
        out[name] = differences
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1] == "write":
        write()
    else:
        read(json.loads(sys.argv[2]))
