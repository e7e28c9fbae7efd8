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
from urllib.parse import urlparse
from uuid import UUID

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures", "python"))


def database_settings(spec):
    database = spec["database"]
    if "://" not in database:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": database}
    url = urlparse(database)
    common = {
        "NAME": url.path.lstrip("/"),
        "USER": url.username or "",
        "PASSWORD": url.password or "",
        "HOST": url.hostname or "",
        "PORT": str(url.port or ""),
    }
    if url.scheme.startswith("postgres"):
        options = {}
        if spec.get("schema"):
            options["options"] = "-c search_path=" + spec["schema"]
        return {"ENGINE": "django.db.backends.postgresql", "OPTIONS": options, **common}
    if url.scheme == "mysql":
        import pymysql

        pymysql.version_info = (2, 2, 1, "final", 0)
        pymysql.install_as_MySQLdb()
        return {"ENGINE": "django.db.backends.mysql", **common}
    raise SystemExit("unknown database " + database)


def main():
    spec = json.loads(sys.argv[1])
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": database_settings(spec)},
        INSTALLED_APPS=["eventsourcing_django"],
        USE_TZ=True,
    )
    django.setup()
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
