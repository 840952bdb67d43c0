"""A local stand-in for the model hub's HTTP API (what huggingface_hub's downloads call).

The hub lives outside this machine, so tests point ``HF_ENDPOINT`` at this server. It serves
the few routes a snapshot download uses: the repo info with its file list (and, with
``?blobs=true`` / ``files_metadata``, each file's size and SHA-256), and ``resolve`` for each
file (HEAD for metadata, GET for bytes) with the headers the client reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from aiohttp import web

COMMIT = "0" * 39 + "1"


@dataclass
class FakeHub:
    repos: dict[str, dict[str, bytes]] = field(default_factory=dict)
    corrupt: set[tuple[str, str]] = field(default_factory=set)  # (repo, file): serve other bytes
    downloads: list[str] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/models/{org}/{name}/revision/{revision}", self.info)
        app.router.add_get("/api/models/{org}/{name}", self.info)
        app.router.add_get("/api/models/{org}/{name}/tree/{revision}", self.tree)
        app.router.add_route("*", "/{org}/{name}/resolve/{revision}/{path:.+}", self.resolve)
        return app

    def _repo(self, request: web.Request) -> tuple[str, dict[str, bytes]]:
        repo = f"{request.match_info['org']}/{request.match_info['name']}"
        if repo not in self.repos:
            raise web.HTTPNotFound(headers={"X-Error-Code": "RepoNotFound"})
        return repo, self.repos[repo]

    async def info(self, request: web.Request) -> web.Response:
        repo, files = self._repo(request)
        siblings = [
            {
                "rfilename": name,
                "size": len(data),
                "lfs": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134},
            }
            for name, data in sorted(files.items())
        ]
        return web.json_response({"id": repo, "modelId": repo, "sha": COMMIT, "siblings": siblings})

    async def tree(self, request: web.Request) -> web.Response:
        _repo, files = self._repo(request)
        entries = [
            {
                "type": "file",
                "path": name,
                "size": len(data),
                "oid": hashlib.sha1(data).hexdigest(),
                "lfs": {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134},
            }
            for name, data in sorted(files.items())
        ]
        return web.json_response(entries)

    async def resolve(self, request: web.Request) -> web.Response:
        repo, files = self._repo(request)
        path = request.match_info["path"]
        if path not in files:
            raise web.HTTPNotFound(headers={"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT})
        data = files[path]
        if (repo, path) in self.corrupt:
            data = b"x" * len(data)
        etag = hashlib.sha256(files[path]).hexdigest()
        headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{etag}"', "Content-Length": str(len(data))}
        if request.method == "HEAD":
            return web.Response(headers=headers)
        self.downloads.append(f"{repo}/{path}")
        return web.Response(body=data, headers=headers)
