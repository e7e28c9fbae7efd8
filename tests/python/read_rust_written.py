"""Opens a database that the Rust tests wrote, with the Python original (eventsourcing +
eventsourcing_django), loads the aggregates it is told about, appends one event written by
Python, and prints what it found as JSON on stdout.

usage: python read_rust_written.py SPEC_JSON

SPEC_JSON holds:
  "database": a SQLite file path, or a postgres:// or mysql:// URL (with "schema" for PostgreSQL)
  "env": the applications' settings (PERSISTENCE_MODULE, COMPRESSOR_TOPIC, CIPHER_KEY, ...)
  "aggregates": {application name: [aggregate ids]}
  "append": {"application": name, "world_id": id, "what": text} (optional)

The domain model is the fixtures' interop_domain.py, so topics are "interop_domain:World" etc.
"""

import json
import os
import sys
from uuid import UUID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures", "python"))

import django_database  # noqa: E402


def main():
    spec = json.loads(sys.argv[1])
    django_database.setup(spec)
    from interop_domain import aggregate_state, make_application

    out = {"aggregates": {}, "notifications": {}}
    apps = {}
    for name, ids in spec["aggregates"].items():
        app = apps[name] = make_application(name, dict(spec["env"]))
        out["aggregates"][name] = [aggregate_state(app.repository.get(UUID(i))) for i in ids]
        notifications = app.notification_log.select(start=1, limit=10)
        out["notifications"][name] = [[n.id, n.topic] for n in notifications]
    append = spec.get("append")
    if append:
        app = apps.get(append["application"]) or make_application(append["application"], dict(spec["env"]))
        world = app.repository.get(UUID(append["world_id"]))
        world.make_it_so(append["what"])
        app.save(world)
        out["appended_version"] = world.version
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
