"""The Python original's side of the system interop tests (tests/tests/python_system.rs): its
``Worlds`` application as a leader, and its ``Tallies`` process application (system_domain.py)
as a follower, on a database the Rust tests share (eventsourcing_django's tables). Each command
first creates the tables with Django's migration, or records it as applied where Rust created
them. Prints what it did as JSON on stdout.

usage:
  python system_interop.py lead SPEC_JSON
      SPEC_JSON: {"database", "schema" (see django_database.py), "env": the leader's settings,
      "create": [[what, ...], ...] (new worlds, each with these things happening to it),
      "append": {world id: [what, ...]} (more things happening to worlds)}.
      Prints {"created": [ids], "versions": {id: version, for each world touched},
      "notification_ids": [every notification id of Worlds]}.
  python system_interop.py follow SPEC_JSON
      SPEC_JSON: {"database", "schema", "leader_env": the leader's settings, "env": the
      follower's, "stop": the last notification id to process (optional), "worlds": [ids]}.
      ``Tallies`` follows ``Worlds`` (whose notification log is read over the same tables) and
      pulls and processes from its tracking position. Prints {"position_before": its
      max_tracking_id before, "processed": how many events its policy handled, "position": its
      max_tracking_id after, "tracked": the notification ids of its tracking rows for Worlds,
      "tallies": {world id: {"count", "last", "version"}, or null when it has no tally}}.
"""

import json
import os
import sys
from uuid import UUID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "fixtures", "python"))

import django_database  # noqa: E402

LEADER = "Worlds"


def lead(spec):
    from eventsourcing.system import NotificationLogReader
    from interop_domain import Worlds

    worlds = Worlds(env=spec["env"])
    versions = {}
    created = []
    for happenings in spec.get("create", []):
        world_id = worlds.create_world()
        created.append(str(world_id))
        for what in happenings:
            worlds.make_it_so(world_id, what)
        versions[str(world_id)] = worlds.repository.get(world_id).version
    for world_id, happenings in spec.get("append", {}).items():
        for what in happenings:
            worlds.make_it_so(UUID(world_id), what)
        versions[world_id] = worlds.repository.get(UUID(world_id)).version
    reader = NotificationLogReader(worlds.notification_log)
    notification_ids = [n.id for notifications in reader.select(start=None) for n in notifications]
    return {"created": created, "versions": versions, "notification_ids": notification_ids}


def follow(spec):
    from eventsourcing.application import AggregateNotFoundError
    from eventsourcing_django.models import NotificationTrackingRecord
    from interop_domain import Worlds

    from system_domain import Tallies

    leader = Worlds(env=spec["leader_env"])
    tallies = Tallies(env=spec["env"])
    position_before = tallies.recorder.max_tracking_id(LEADER)
    tallies.follow(LEADER, leader.notification_log)
    tallies.pull_and_process(LEADER, stop=spec.get("stop"))
    tracked = NotificationTrackingRecord.objects.filter(
        application_name=tallies.name, upstream_application_name=LEADER
    ).order_by("notification_id")
    out = {
        "position_before": position_before,
        "processed": tallies.processed,
        "position": tallies.recorder.max_tracking_id(LEADER),
        "tracked": [t.notification_id for t in tracked],
        "tallies": {},
    }
    for world_id in spec.get("worlds", []):
        try:
            tally = tallies.repository.get(UUID(world_id))
        except AggregateNotFoundError:
            out["tallies"][world_id] = None
        else:
            out["tallies"][world_id] = {"count": tally.count, "last": tally.last, "version": tally.version}
    return out


def main():
    command, spec = sys.argv[1], json.loads(sys.argv[2])
    django_database.setup(spec)
    django_database.migrate()
    out = {"lead": lead, "follow": follow}[command](spec)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
