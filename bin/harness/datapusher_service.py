"""Settings of the real DataPusher service for the dev portal and the tests.

    python datapusher_service.py write-config SETTINGS_PY PORT WORKDIR

writes the service's settings file (read through JOB_CONFIG): loopback only,
a SQLite job store in WORKDIR, a random secret.  Run the service with
``LANG=C LC_ALL=C PYTHONPATH=bin/harness JOB_CONFIG=SETTINGS_PY
python -c "from datapusher.main import serve; serve()"`` (see docs/limits.md, "The loaders
available here").
"""
import os
import secrets
import sys

TEMPLATE = '''# Written by bin/harness/datapusher_service.py: DataPusher service (dev/test only)
import uuid
DEBUG = False
TESTING = False
SECRET_KEY = {secret!r}
USERNAME = "admin"
PASSWORD = {password!r}
NAME = "datapusher"
SQLALCHEMY_DATABASE_URI = {db!r}
HOST = "127.0.0.1"
PORT = {port}
SSL_VERIFY = False
FROM_BLOCKLIST = []
LOG_FILE = {log!r}
STDERR = True
MAX_CONTENT_LENGTH = 104857600
'''


def write_config(path: str, port: str, workdir: str) -> None:
    os.makedirs(workdir, exist_ok=True)
    text = TEMPLATE.format(
        secret=secrets.token_hex(16), password=secrets.token_hex(8),
        db="sqlite:///" + os.path.join(os.path.abspath(workdir), "jobs.db"),
        port=int(port), log=os.path.join(os.path.abspath(workdir), "datapusher.log"))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "write-config":
        sys.exit(__doc__)
    write_config(*sys.argv[2:])
