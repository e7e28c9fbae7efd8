"""The Python original's side of the bench's process-application rows (issue 23): a
``ProcessApplication`` of eventsourcing 9.4.6 on eventsourcing_django 0.6, as its users write one,
follows the bench's leader on the bench's own tables and database, and turns each upstream
event into one event of its own (a ``Tally`` started for each world created), one notification
per transaction with its tracking, as Python always does. It records nothing else. Only the
processing is timed: Django's setup and the first notifications (up to "warmup_stop") are not.

usage:
  python process.py SPEC_JSON
      SPEC_JSON: {"database": a SQLite file's path, or the bench's postgres:// or mysql:// URL
      (over TCP or a Unix socket), "tables": {"stored_events", "snapshots",
      "notification_tracking"}: the bench's table names, "leader": the leader's application
      name, "follower": the process application's name (fresh: it starts from the first
      notification), "batch_size": notifications per select, "warmup_stop": the last
      notification processed before the timing, "stop": the last one processed}.
      Prints {"processed": notifications processed while timed, "seconds": how long that took}.
"""

import json
import os
import sys
import time
from functools import singledispatchmethod
from urllib.parse import parse_qs, unquote, urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.join(HERE, "..", "..", "tests")
# The seed's World (interop_domain) and the system tests' Tally (system_domain), with the topics
# the Rust side uses.
sys.path.insert(0, os.path.join(TESTS, "python"))
sys.path.insert(0, os.path.join(TESTS, "fixtures", "python"))


def database_settings(database):
    """Django's settings for a SQLite file's path or one of the bench's URLs: for a Unix socket,
    PostgreSQL's is the URL's percent-encoded host (a directory), MySQL's its "socket"
    parameter."""
    if "://" not in database:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": database}
    url = urlsplit(database)
    userinfo, _, host = url.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    host, port = unquote(host), ""
    if not host.startswith("/") and ":" in host:
        host, _, port = host.rpartition(":")
    socket = parse_qs(url.query).get("socket", [None])[0]
    common = {
        "NAME": url.path.lstrip("/"),
        "USER": unquote(user),
        "PASSWORD": unquote(password),
        "HOST": socket or host,
        "PORT": port,
    }
    if url.scheme.startswith("postgres"):
        return {"ENGINE": "django.db.backends.postgresql", **common}
    if url.scheme in ("mysql", "mariadb"):
        import pymysql

        pymysql.version_info = (2, 2, 1, "final", 0)
        pymysql.install_as_MySQLdb()
        return {"ENGINE": "django.db.backends.mysql", **common}
    raise SystemExit("unknown database " + database)


def setup(spec):
    """Starts Django on the spec's database, with eventsourcing_django's models on the bench's
    tables (which have the columns and keys of its migration, under the bench's names)."""
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": database_settings(spec["database"])},
        INSTALLED_APPS=["eventsourcing_django"],
        USE_TZ=True,
    )
    django.setup()
    from eventsourcing_django.models import NotificationTrackingRecord, SnapshotRecord, StoredEventRecord

    tables = spec["tables"]
    StoredEventRecord._meta.db_table = tables["stored_events"]
    SnapshotRecord._meta.db_table = tables["snapshots"]
    NotificationTrackingRecord._meta.db_table = tables["notification_tracking"]


def applications(spec):
    """The leader and the process application, named as the spec says."""
    from eventsourcing.application import Application, ProcessingEvent
    from eventsourcing.domain import DomainEventProtocol
    from eventsourcing.system import ProcessApplication
    from interop_domain import World
    from system_domain import Tally

    class Tallies(ProcessApplication):
        """Starts a tally of each world created upstream: one event per upstream event."""

        pull_section_size = spec["batch_size"]

        def __init__(self, env=None):
            super().__init__(env)
            self.processed = 0

        @singledispatchmethod
        def policy(self, domain_event: DomainEventProtocol, processing_event: ProcessingEvent) -> None:
            """Events of other types: nothing to do."""

        @policy.register(World.Created)
        def _(self, domain_event: World.Created, processing_event: ProcessingEvent) -> None:
            processing_event.collect_events(Tally(world_id=domain_event.originator_id))
            self.processed += 1

    env = {"PERSISTENCE_MODULE": "eventsourcing_django"}
    leader = type(spec["leader"], (Application,), {"log_section_size": spec["batch_size"]})(env=env)
    follower = type(spec["follower"], (Tallies,), {})(env=env)
    follower.follow(leader.name, leader.notification_log)
    return leader, follower


def main():
    spec = json.loads(sys.argv[1])
    setup(spec)
    leader, follower = applications(spec)
    follower.pull_and_process(leader.name, stop=spec["warmup_stop"])
    before = follower.processed
    started = time.perf_counter()
    follower.pull_and_process(leader.name, stop=spec["stop"])
    seconds = time.perf_counter() - started
    print(json.dumps({"processed": follower.processed - before, "seconds": seconds}))


if __name__ == "__main__":
    main()
