"""A protocol-faithful, scriptable fake of the DataPusher job service.

It speaks the DataPusher job protocol (see docs/backends.md, "`service`: the
DataPusher job protocol": ``GET /status``, ``POST /job`` and ``POST
/job/<id>``, ``GET /job/<id>`` with the job key) on 127.0.0.1, in a
thread, and can be told per test to answer otherwise: a status code, a body,
a delay, a dropped connection, and to call back (or not) when a job "ends".
"""
from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Optional

import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Answer:
    """One scripted answer to ``POST /job``."""

    status: int = 200
    body: Any = None  # dict (JSON), str (raw) or None (protocol answer)
    delay: float = 0.0  # seconds before answering
    drop: bool = False  # close the connection without an answer
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Callback:
    """What the fake does once it accepted a job."""

    status: str = "complete"  # "complete", "error" or None for no callback
    delay: float = 0.0
    error: Optional[dict[str, Any]] = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    times: int = 1  # how many times the callback is POSTed
    override: dict[str, Any] = field(default_factory=dict)  # fields to change in the body
    authorization: Optional[str] = None  # another Authorization header than the job's token
    statuses: list[str] = field(default_factory=list)  # one status per POST (out of order)
    # As the real service does before it reports "complete": the rows go into
    # the DataStore (one row, with the job's API key), so that the resource's
    # datastore_active is true.
    datastore: bool = True


class FakeService:
    """Run with ``start()``; script with ``answers`` and ``callback``."""

    def __init__(self) -> None:
        self.answers: deque[Answer] = deque()
        self.callback: Optional[Callback] = None
        self.jobs: dict[str, dict[str, Any]] = {}
        self.requests: list[dict[str, Any]] = []
        self.callbacks_sent: list[requests.Response] = []
        self.callback_errors: list[Exception] = []
        self._threads: list[threading.Thread] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = "http://127.0.0.1:{}".format(self._server.server_port)
        # (a short poll interval: stop() returns at once, not after half a second)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)

    # -- control ---------------------------------------------------------
    def start(self) -> "FakeService":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=10)

    def stop_callbacks(self, timeout: float = 30) -> None:
        """Wait for the callbacks under way to be sent."""
        for thread in list(self._threads):
            thread.join(timeout=timeout)

    def script(self, *answers: Answer) -> None:
        self.answers.extend(answers)

    def wait_callbacks(self, count: int = 1, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while len(self.callbacks_sent) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.callbacks_sent) >= count, "the fake service sent no callback"

    def job_posts(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["method"] == "POST" and r["path"].startswith("/job")]

    # -- protocol --------------------------------------------------------
    @Request.application
    def _app(self, request: Request) -> Response:
        body = request.get_json(silent=True)
        self.requests.append({"method": request.method, "path": request.path,
                              "json": body, "headers": dict(request.headers)})
        if request.path == "/status" and request.method == "GET":
            return self._json({"job_types": ["push_to_datastore"], "name": "datapusher",
                               "stats": {"complete": 0, "error": 0, "pending": len(self.jobs)},
                               "version": 0.1})
        if request.path.startswith("/job") and request.method == "POST":
            return self._post_job(request, body)
        if request.path.startswith("/job/") and request.method == "GET":
            job = self.jobs.get(request.path[len("/job/"):])
            if job is None:
                return self._json({"error": "job_id not found"}, 404)
            if request.headers.get("Authorization") != job["job_key"]:
                return self._json({"error": "not authorized"}, 403)
            public = {k: v for k, v in job.items() if k not in ("api_key", "job_key")}
            return self._json(public)
        return self._json({"error": "not found"}, 404)

    def _json(self, data: Any, status: int = 200,
              headers: Optional[dict[str, str]] = None) -> Response:
        return Response(json.dumps(data), status=status, headers=headers or {},
                        mimetype="application/json")

    def _post_job(self, request: Request, body: Any) -> Response:
        answer = self.answers.popleft() if self.answers else Answer()
        if answer.delay:
            time.sleep(answer.delay)
        if answer.drop:
            self._drop_connection(request)
        if answer.status != 200 or answer.body is not None:
            if isinstance(answer.body, str):
                return Response(answer.body, status=answer.status, headers=answer.headers,
                                mimetype="application/json")
            return self._json(answer.body if answer.body is not None else {"error": "scripted"},
                              answer.status, answer.headers)
        if not isinstance(body, dict) or not body.get("api_key") or not body.get("job_type"):
            return self._json({"error": "Please provide your API key."}, 409)
        job_id = (request.path[len("/job/"):] if request.path.startswith("/job/")
                  else str(uuid.uuid4()))
        if job_id in self.jobs:
            return self._json({"error": "job_id {} already exists".format(job_id)}, 409)
        job = {
            "job_id": job_id, "job_key": str(uuid.uuid4()), "job_type": body["job_type"],
            "status": "pending", "data": None, "error": None,
            "requested_timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "finished_timestamp": None, "sent_data": None,
            "result_url": body.get("result_url"), "metadata": body.get("metadata") or {},
            "api_key": body["api_key"], "logs": [],
        }
        self.jobs[job_id] = job
        if self.callback is not None and self.callback.status:
            thread = threading.Thread(target=self._call_back, args=(job, self.callback),
                                      daemon=True)
            self._threads.append(thread)
            thread.start()
        return self._json({"job_id": job_id, "job_key": job["job_key"]})

    @staticmethod
    def _drop_connection(request: Request) -> None:
        sock = request.environ.get("werkzeug.socket")
        if isinstance(sock, socket.socket):
            sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        raise ConnectionAbortedError("scripted drop")

    def _write_datastore(self, job: dict[str, Any]) -> None:
        """One row into the DataStore for the job's resource, through CKAN's
        API at the callback's host (what the real service writes, in small)."""
        result_url, resource_id = job.get("result_url"), job["metadata"].get("resource_id")
        if not result_url or "/api/" not in result_url or not resource_id:
            return
        try:
            requests.post(result_url.split("/api/")[0] + "/api/3/action/datastore_create",
                          data=json.dumps({"resource_id": resource_id, "force": True,
                                           "fields": [{"id": "value", "type": "text"}],
                                           "records": [{"value": "1"}]}),
                          headers={"Content-Type": "application/json",
                                   "Authorization": job["api_key"]}, timeout=30)
        except requests.RequestException as e:
            self.callback_errors.append(e)

    def _call_back(self, job: dict[str, Any], callback: Callback) -> None:
        time.sleep(callback.delay)
        job["status"] = callback.status
        job["error"] = callback.error
        job["logs"] = callback.logs or [
            {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"), "message": "Fetching from: "
             + str(job["metadata"].get("original_url")), "level": "INFO",
             "module": "jobs", "funcName": "push_to_datastore", "lineno": 1}]
        job["finished_timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        if callback.status == "complete" and callback.datastore:
            self._write_datastore(job)
        payload = {k: v for k, v in job.items() if k not in ("api_key", "job_key")}
        payload.update(callback.override)
        for i in range(callback.times):
            if callback.statuses:
                payload["status"] = callback.statuses[i % len(callback.statuses)]
            try:
                response = requests.post(job["result_url"], data=json.dumps(payload),
                                         headers={"Content-Type": "application/json",
                                                  "Authorization": callback.authorization
                                                  or job["api_key"]}, timeout=30)
            except requests.RequestException as e:  # as the real service: no retry
                self.callback_errors.append(e)
                continue
            self.callbacks_sent.append(response)
