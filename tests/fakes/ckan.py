"""A fake CKAN portal in its own process, speaking CKAN's action API (``/api/action/<name>``,
``/api/3/action/<name>``) with CKAN's own validation rules for what a dataset and a resource must be — so that
"loads into a CKAN-style portal without editing" is tested against the rules a portal applies, by a real client
(Frictionless' CKAN adapter).

Actions: ``package_create`` (JSON or form), ``resource_create`` (JSON, or multipart with an ``upload``),
``package_show``, ``status_show``; uploaded files are served at their resource's ``url`` as CKAN serves them.
The rules (CKAN 2.10's default schema, ``ckan/logic/schema.py``): a sysadmin API key in ``Authorization``; a dataset
``name`` of 2–100 characters ``[a-z0-9_-]``, not taken; ``owner_org`` an existing organisation; ``license_id`` one
the portal knows (here CKAN's default register plus the Open Definition ids, as a portal configured with
``licenses_group_url`` has — national portals are); tags of 2–100 characters ``[\\w -.]``; extras with a ``key``
and a string ``value`` (numbers are turned into strings, as ``unicode_safe`` does); ``version`` up to 100
characters; a resource with its ``package_id``, and a ``url`` or an ``upload``.

Run: ``python -m tests.fakes.ckan --port P [--api-key K --organization ORG]``; ``CkanProcess`` starts one on a free
port for a test.
"""

from __future__ import annotations

import argparse
import contextlib
import email.parser
import email.policy
import json
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.support.server import free_port

REPO = Path(__file__).resolve().parent.parent.parent
NAME = re.compile(r"^[a-z0-9_-]{2,100}$")
TAG = re.compile(r"^[\w \-.]{2,100}$")
# CKAN's default licence register (ckan/model/license.py) and the Open Definition ids (licenses.opendefinition.org).
LICENSES = {
    *("notspecified", "odc-pddl", "odc-odbl", "odc-by", "cc-zero", "cc-by", "cc-by-sa", "gfdl", "other-open"),
    *("other-pd", "other-at", "uk-ogl", "cc-nc", "other-nc", "other-closed"),
    *("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODC-BY-1.0", "ODbL-1.0", "PDDL-1.0", "OGL-UK-3.0"),
}


class ValidationError(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(str(errors))
        self.errors = errors


class Portal:
    """The portal's state: organisations, datasets, resources and their uploaded bytes."""

    def __init__(self, api_key: str, organization: str) -> None:
        self.api_key = api_key
        self.organizations = {organization}
        self.packages: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.lock = threading.Lock()

    def find(self, ref: str) -> dict[str, Any] | None:
        return self.packages.get(ref) or next((p for p in self.packages.values() if p["name"] == ref), None)

    def package_create(self, data: dict[str, Any]) -> dict[str, Any]:
        errors: dict[str, list[str]] = {}
        name = str(data.get("name", ""))
        if not NAME.match(name):
            errors["name"] = ["Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"]
        elif self.find(name):
            errors["name"] = ["That URL is already in use."]
        if data.get("owner_org") not in self.organizations:
            errors["owner_org"] = ["Organization does not exist"]
        if "license_id" in data and data["license_id"] not in LICENSES:
            errors["license_id"] = [f"License {data['license_id']!r} is not in the portal's register"]
        if len(str(data.get("version", ""))) > 100:
            errors["version"] = ["Version must be a maximum of 100 characters long"]
        if data.get("id") and self.find(str(data["id"])):
            errors["id"] = ["Dataset id already exists"]
        for tag in data.get("tags", []):
            if not TAG.match(str(tag.get("name", ""))):
                errors.setdefault("tags", []).append(f"Tag {tag.get('name')!r} must be alphanumeric, 2-100 long")
        extras = []
        for extra in data.get("extras", []):
            if not extra.get("key") or "value" not in extra or isinstance(extra["value"], dict | list):
                errors.setdefault("extras", []).append(f"Extra {extra!r} needs a key and a text value")
            else:
                extras.append({"key": str(extra["key"]), "value": str(extra["value"])})
        if errors:
            raise ValidationError(errors)
        package = {**data, "id": str(data.get("id") or uuid.uuid4()), "extras": extras, "resources": []}
        self.packages[package["id"]] = package
        return package

    def resource_create(self, data: dict[str, Any], upload: tuple[str, bytes] | None, base: str) -> dict[str, Any]:
        package = self.find(str(data.get("package_id", "")))
        if package is None:
            raise ValidationError({"package_id": ["Not found: Dataset"]})
        if upload is None and not data.get("url"):
            raise ValidationError({"url": ["Missing value"]})
        resource = {k: v for k, v in data.items() if k != "upload"}
        resource["id"] = str(uuid.uuid4())
        if upload is not None:
            filename, content = upload
            self.uploads[resource["id"]] = content
            resource["url"] = f"{base}/dataset/{package['id']}/resource/{resource['id']}/download/{filename}"
            resource["url_type"] = "upload"
        package["resources"].append(resource)
        return resource


def _form(content_type: str, body: bytes) -> tuple[dict[str, Any], tuple[str, bytes] | None]:
    """A multipart/form-data body: its fields (a repeated field keeps its last value) and the ``upload`` file."""
    message = email.parser.BytesParser(policy=email.policy.default).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    upload = None
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if name == "upload":
            upload = (part.get_filename() or "upload", payload)
        elif isinstance(name, str):
            fields[name] = payload.decode()
    return fields, upload


def handler_for(portal: Portal) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _result(self, result: Any, status: int = 200) -> None:
            self._send(status, json.dumps({"success": status == 200, "result": result}).encode())

        def _error(self, status: int, kind: str, errors: dict[str, Any]) -> None:
            body = {"success": False, "error": {"__type": kind, **errors}}
            self._send(status, json.dumps(body).encode())

        def _action(self) -> str | None:
            match = re.fullmatch(r"/api(?:/3)?/action/([a-z_]+)", urlsplit(self.path).path)
            return match.group(1) if match else None

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            download = re.fullmatch(r"/dataset/[^/]+/resource/([^/]+)/download/[^/]+", parts.path)
            if download and download.group(1) in portal.uploads:
                self._send(200, portal.uploads[download.group(1)], "application/octet-stream")
                return
            action = self._action()
            if action == "status_show":
                self._result({"ckan_version": "2.10-fake", "site_title": "Fake CKAN"})
            elif action == "package_show":
                package = portal.find(parse_qs(parts.query).get("id", [""])[0])
                if package is None:
                    self._error(404, "Not Found Error", {"message": "Not found"})
                else:
                    self._result(package)
            else:
                self._error(404, "Not Found Error", {"message": "No such action"})

        def do_POST(self) -> None:
            action = self._action()
            if self.headers.get("Authorization") != portal.api_key:
                self._error(403, "Authorization Error", {"message": "Access denied"})
                return
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            content_type = self.headers.get("Content-Type", "")
            upload = None
            if content_type.startswith("multipart/form-data"):
                data, upload = _form(content_type, body)
            elif content_type.startswith("application/x-www-form-urlencoded"):
                data = {k: v[-1] for k, v in parse_qs(body.decode()).items()}
            else:
                data = json.loads(body or b"{}")
            base = f"http://{self.headers.get('Host')}"
            try:
                with portal.lock:
                    if action == "package_create":
                        self._result(portal.package_create(data))
                    elif action == "resource_create":
                        self._result(portal.resource_create(data, upload, base))
                    else:
                        self._error(404, "Not Found Error", {"message": "No such action"})
            except ValidationError as exc:
                self._error(409, "Validation Error", exc.errors)

    return Handler


class CkanProcess:
    """``python -m tests.fakes.ckan`` on a free port, waited for until it answers."""

    def __init__(self, *, api_key: str = "fake-sysadmin-key", organization: str = "kemenpanrb") -> None:
        self.api_key, self.organization = api_key, organization
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> CkanProcess:
        command = [sys.executable, "-m", "tests.fakes.ckan", "--port", str(self.port)]
        command += [f"--api-key={self.api_key}", f"--organization={self.organization}"]
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"fake CKAN exited with {self.process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(self.url + "/api/3/action/status_show", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.__exit__(None, None, None)
        raise TimeoutError(f"fake CKAN not answering at {self.url}")

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()

    def package(self, ref: str) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/api/3/action/package_show", params={"id": ref})
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()["result"]
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description="A fake CKAN portal (action API) for tests.")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--api-key", default="fake-sysadmin-key")
    parser.add_argument("--organization", default="kemenpanrb")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler_for(Portal(args.api_key, args.organization)))
    server.serve_forever()


if __name__ == "__main__":
    main()
