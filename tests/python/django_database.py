"""Django for the scripts of the Rust tests: one database connection (`default`) to the database
a test names, with eventsourcing_django installed, so that the Python original's applications
(PERSISTENCE_MODULE=eventsourcing_django) record their events in the tables the Rust side uses.

A spec names the database as "database": a SQLite file path, or a postgres:// or mysql:// URL,
with "schema" for PostgreSQL (put first in the search path).
"""

from urllib.parse import urlparse


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


def setup(spec):
    """Configures Django for the spec's database and starts it."""
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={"default": database_settings(spec)},
        INSTALLED_APPS=["eventsourcing_django"],
        USE_TZ=True,
    )
    django.setup()


def migrate():
    """Creates eventsourcing_django's tables with its migration (0001_initial); where they
    exist already (Rust created them), the migration is recorded as applied
    (`migrate --fake-initial`), which Django allows only when every table and column is there."""
    from django.core.management import call_command

    call_command("migrate", "eventsourcing_django", fake_initial=True, verbosity=0)
