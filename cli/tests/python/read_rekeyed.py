"""Reads every stored event and snapshot of a re-keyed store with the Python original's cipher,
compressor and transcoder under the new settings, and checks each state against the fixture's
manifest (the JSON that the Python original wrote before the re-keying).

argv[1]: JSON {"backend": "sqlite"|"postgres"|"mysql", "database": path or URL,
"prefix": table prefix, "cipher_key": base64 or null, "compressor": bool, "manifest": path}.
Prints {"checked": N}; exits non-zero naming the first row that differs.
"""

import json
import sys
import uuid
from urllib.parse import urlparse

from eventsourcing.cipher import AESCipher
from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    UUIDAsHex,
)
from eventsourcing.utils import Environment

spec = json.loads(sys.argv[1])
manifest = json.load(open(spec["manifest"]))
transcoder = JSONTranscoder()
for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
    transcoder.register(transcoding)
cipher = None
if spec["cipher_key"]:
    cipher = AESCipher(Environment(env={"CIPHER_KEY": spec["cipher_key"]}))
compressor = ZlibCompressor() if spec["compressor"] else None


def connect():
    backend = spec["backend"]
    if backend == "sqlite":
        import sqlite3

        return sqlite3.connect(spec["database"])
    url = urlparse(spec["database"])
    if backend == "postgres":
        import psycopg

        return psycopg.connect(spec["database"])
    import pymysql

    return pymysql.connect(
        host=url.hostname,
        port=url.port or 3306,
        user=url.username or "root",
        password=url.password or "",
        database=url.path.lstrip("/"),
    )


expected = {}
for table in ("stored_events", "snapshots"):
    for row in manifest["rows"][table]:
        key = (
            table,
            row["application_name"],
            uuid.UUID(row["originator_id"]).hex,
            row["originator_version"],
        )
        expected[key] = transcoder.decode(row["state_plain"].encode("utf8"))

conn = connect()
checked = 0
for table in ("stored_events", "snapshots"):
    cursor = conn.cursor()
    cursor.execute(
        f"SELECT application_name, originator_id, originator_version, topic, state "
        f"FROM {spec['prefix']}{table}"
    )
    for application_name, originator_id, version, topic, state in cursor.fetchall():
        state = bytes(state)
        if cipher is not None:
            state = cipher.decrypt(state)
        if compressor is not None:
            state = compressor.decompress(state)
        decoded = transcoder.decode(state)
        key = (table, application_name, uuid.UUID(str(originator_id)).hex, version)
        if key not in expected:
            sys.exit(f"row not in the manifest: {key}")
        if decoded != expected[key]:
            sys.exit(f"{key}: {decoded!r} != {expected[key]!r}")
        checked += 1
if checked != len(expected):
    sys.exit(f"checked {checked} rows, the manifest has {len(expected)}")
print(json.dumps({"checked": checked}))
