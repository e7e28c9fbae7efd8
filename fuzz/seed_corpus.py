#!/usr/bin/env python3
"""Seeds fuzz/corpus/<target>/ with the stored states of the Python fixtures
(tests/fixtures/python/django_*.sqlite3, written by eventsourcing + eventsourcing_django).

json_decode and json_roundtrip get the JSON texts (the plain fixture's states, the zlib
fixture's decompressed, the zlib+AES fixture's from its manifest, since the standard library
has no AES); isoformat and decimal the `_data_` of their `datetime_iso` and `decimal_str`
values; zlib_aes the zlib and zlib+AES fixtures' stored bytes. Each seed is named by the
SHA-1 of its bytes, as libFuzzer names its inputs, so running this again adds nothing new.

Usage: python3 fuzz/seed_corpus.py
"""

import hashlib
import json
import sqlite3
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "python"
CORPUS = ROOT / "fuzz" / "corpus"


def stored_states(variant):
    """The `state` column of every stored event and snapshot of a fixture database."""
    database = sqlite3.connect(FIXTURES / f"django_{variant}.sqlite3")
    try:
        for table in ("stored_events", "snapshots"):
            for (state,) in database.execute(f"SELECT state FROM {table} ORDER BY 1"):
                yield bytes(state)
    finally:
        database.close()


def manifest_texts(variant):
    """The JSON text of every row of a fixture, as its manifest lists it."""
    manifest = json.loads((FIXTURES / f"django_{variant}.json").read_text())
    for table in ("stored_events", "snapshots"):
        for row in manifest["rows"][table]:
            yield row["state_plain"].encode()


def transcoded_data(text, name):
    """The `_data_` strings of the `{"_type_": name, ...}` objects in a JSON text."""
    found = []

    def hook(obj):
        if obj.get("_type_") == name and isinstance(obj.get("_data_"), str):
            found.append(obj["_data_"].encode())
        return obj

    json.loads(text, object_hook=hook)
    return found


def write(target, seeds):
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    names = set()
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        names.add(name)
        (directory / name).write_bytes(seed)
    print(f"{target}: {len(names)} seeds")


def main():
    texts = list(stored_states("plain"))
    texts += [zlib.decompress(state) for state in stored_states("zlib")]
    texts += list(manifest_texts("zlib_aes"))
    write("json_decode", texts)
    write("json_roundtrip", texts)
    write("isoformat", [d for t in texts for d in transcoded_data(t, "datetime_iso")])
    write("decimal", [d for t in texts for d in transcoded_data(t, "decimal_str")])
    write("zlib_aes", list(stored_states("zlib")) + list(stored_states("zlib_aes")))


if __name__ == "__main__":
    main()
