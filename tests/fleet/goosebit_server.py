"""Starts gooseBit (PyPI `goosebit`, hawkBit's DDI on SQLite) for tests/fleet.rs.

Usage: goosebit_server.py DIR PORT
Creates the schema in DIR/db.sqlite3 (what `aerich upgrade` does for a real
install), an admin user `admin`/`admin`, and serves on 127.0.0.1:PORT with
device tokens in strict mode (a panel must present the token set for it).

gooseBit keeps only `hw_boardname`, `hw_revision` and `sw_version` of the
attributes a device sends, and a feedback's state; so that the test sees
everything the panel said, every DDI request (method, path, status, the
Authorization and Range headers, the JSON body) is appended to
DIR/ddi.jsonl by a small ASGI wrapper. gooseBit itself is unchanged.
"""
import asyncio
import json
import os
import sys

work, port = sys.argv[1], sys.argv[2]
os.environ.setdefault("GOOSEBIT_DB_URI", f"sqlite:///{work}/db.sqlite3")
os.environ.setdefault("GOOSEBIT_ARTIFACTS_DIR", f"{work}/artifacts")
os.environ.setdefault("GOOSEBIT_PORT", port)
os.environ.setdefault("GOOSEBIT_POLL_TIME", "00:00:01")
os.environ.setdefault("GOOSEBIT_DEVICE_AUTH__ENABLE", "true")
os.environ.setdefault("GOOSEBIT_DEVICE_AUTH__MODE", "strict")
os.chdir(work)

from tortoise import Tortoise  # noqa: E402

from goosebit.db.config import TORTOISE_CONF  # noqa: E402


async def prepare() -> None:
    await Tortoise.init(config=TORTOISE_CONF)
    await Tortoise.generate_schemas(safe=True)
    from goosebit.settings import PWD_CXT
    from goosebit.users import create_initial_user

    await create_initial_user("admin", PWD_CXT.hash("admin"))
    await Tortoise.close_connections()


asyncio.run(prepare())

import uvicorn  # noqa: E402

from goosebit import app  # noqa: E402


class Record:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or "/controller/" not in scope["path"]:
            return await self.inner(scope, receive, send)
        chunks = []

        async def rec():
            m = await receive()
            if m["type"] == "http.request":
                chunks.append(m.get("body", b""))
            return m

        async def snd(m):
            # Recorded before the answer leaves: a client that exits at once
            # must not race the record.
            if m["type"] == "http.response.start":
                record(scope, b"".join(chunks), m["status"])
            await send(m)

        await self.inner(scope, rec, snd)


def record(scope, body, status):
    headers = {k.decode(): v.decode() for k, v in scope["headers"] if k.decode() in ("range", "authorization")}
    try:
        parsed = json.loads(body) if body else None
    except ValueError:
        parsed = body.decode(errors="replace")
    entry = {"method": scope["method"], "path": scope["path"], "status": status, "headers": headers, "body": parsed}
    with open(f"{work}/ddi.jsonl", "a") as f:
        f.write(json.dumps(entry) + "\n")


uvicorn.run(Record(app), host="127.0.0.1", port=int(port), log_level="warning")
