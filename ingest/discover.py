"""Find the ingestible files under the paths a user gives, with their folder metadata.

The walk never leaves the given paths through a symbolic link unless asked to
(``follow_symlinks_outside``), never opens anything but a regular file (a FIFO would block the
ingest, a device never ends), and reports every entry it skips for a reason other than its file
type or a manifest's ``exclude``: a dangling link, a link loop, a special file, a link out of the
given folders, a folder it cannot read.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from curbside.ingest.loaders import SUPPORTED_SUFFIXES
from curbside.ingest.metadata import FolderManifest, MetadataError, merge_meta, sidecar_path
from curbside.ingest.types import LoadIssue


@dataclass
class SourceFile:
    """One file to ingest and the fingerprint that decides whether it changed."""

    path: Path
    folder_meta: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def key(self) -> str:
        return str(self.path.resolve())


def _fingerprint(path: Path, folder_meta: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    side = sidecar_path(path)
    if side is not None:
        digest.update(b"\0sidecar\0" + side.read_bytes())
    digest.update(b"\0folder\0" + json.dumps(folder_meta, sort_keys=True).encode())
    return digest.hexdigest()


_SPECIAL_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _special_kind(mode: int) -> str:
    for test, name in _SPECIAL_KINDS:
        if test(mode):
            return name
    return "not a regular file or folder"


def _is_within(path: Path, roots: Sequence[Path]) -> bool:
    return any(path == root or root in path.parents for root in roots)


# The manifests that apply to a folder: (folder, its manifest), outermost first.
_Chain = tuple[tuple[Path, FolderManifest], ...]


class _Walk:
    """One discovery: the resolved roots, what was found and what was skipped, and why."""

    def __init__(self, roots: Sequence[Path], follow_symlinks_outside: bool) -> None:
        self.real_roots = [Path(os.path.realpath(r)) for r in roots if r.exists()]
        self.follow_outside = follow_symlinks_outside
        self.found: dict[str, SourceFile] = {}
        self.issues: list[LoadIssue] = []
        self.visited: set[Path] = set()

    def skip(self, path: Path, reason: str) -> None:
        self.issues.append(LoadIssue(path=str(path), reason=reason))

    def check_link(self, path: Path) -> Path | None:
        """The real path of ``path``, or None (reported) if the walk must not go there."""
        try:
            real = path.resolve(strict=True)
        except FileNotFoundError:
            self.skip(path, f"dangling symbolic link (its target {os.readlink(path)!r} does not exist)")
            return None
        except RuntimeError:  # Python 3.11's "Symlink loop from ..."
            self.skip(path, "symbolic link loop (the link leads back to itself)")
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.skip(path, "symbolic link loop (the link leads back to itself)")
            else:
                self.skip(path, f"cannot follow symbolic link ({exc.strerror or exc})")
            return None
        if not self.follow_outside and not _is_within(real, self.real_roots):
            self.skip(
                path,
                f"symbolic link to {real}, outside the folders given; not followed "
                "(set index.follow_symlinks_outside to allow it)",
            )
            return None
        return real

    def tree(self, root: Path) -> None:
        """Walk ``root`` depth first in name order (a stack, so depth costs no recursion)."""
        stack: list[tuple[Path, _Chain]] = [(root, ())]
        while stack:
            folder, chain = stack.pop()
            real = Path(os.path.realpath(folder))
            if real in self.visited:  # reached again through a link: already walked
                continue
            self.visited.add(real)
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.skip(folder, f"cannot read folder ({exc.strerror or exc})")
                continue
            try:
                manifest = FolderManifest.load(folder)
            except MetadataError as exc:
                self.skip(folder / "manifest.yaml", str(exc))
                manifest = None
            if manifest is not None:
                chain = (*chain, (folder, manifest))
            subfolders: list[Path] = []
            for entry in entries:
                path = folder / entry.name
                if entry.name.startswith("."):
                    continue
                link = entry.is_symlink()  # d_type only: a link is not followed to find out
                as_folder = not link and entry.is_dir(follow_symlinks=False)
                if _excluded(path, chain, folder=as_folder) or (
                    link and _excluded(path, chain, folder=True)
                ):
                    continue
                if link:
                    target = self.check_link(path)
                    if target is None:
                        continue
                    if target.is_dir() and _is_within(real, [target]):
                        self.skip(path, f"symbolic link loop (leads back to {target}, a folder above it)")
                        continue
                try:
                    mode = path.stat().st_mode
                except OSError as exc:
                    self.skip(path, f"cannot read ({exc.strerror or exc})")
                    continue
                if stat.S_ISDIR(mode):
                    subfolders.append(path)
                else:
                    self.file(path, mode, chain)
            stack.extend((sub, chain) for sub in reversed(subfolders))

    def file(self, path: Path, mode: int, chain: _Chain) -> None:
        if path.name.endswith(".meta.yaml") or path.name == "manifest.yaml":
            return
        if not stat.S_ISREG(mode):
            self.skip(path, f"{_special_kind(mode)}, not a regular file; not read")
            return
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            return
        self.add(path, _folder_meta(path, chain))

    def add(self, path: Path, meta: dict[str, Any]) -> None:
        try:
            fp = _fingerprint(path, meta)
        except OSError as exc:
            self.skip(path, f"cannot read ({exc.strerror})")
            return
        source = SourceFile(path=path, folder_meta=meta, fingerprint=fp)
        self.found[source.key] = source


def _excluded(path: Path, chain: _Chain, *, folder: bool) -> bool:
    """Whether a manifest above ``path`` excludes it (for a folder: excludes all it holds)."""
    for where, manifest in chain:
        rel = path.relative_to(where).as_posix()
        if manifest.excludes_folder(rel) if folder else manifest.excludes(rel):
            return True
    return False


def _folder_meta(path: Path, chain: _Chain) -> dict[str, Any]:
    """Metadata from every manifest above ``path``; a nearer folder's manifest wins."""
    layers = [m.meta_for(path.relative_to(folder).as_posix()) for folder, m in reversed(chain)]
    return merge_meta(*layers)


def discover(
    paths: list[Path], *, follow_symlinks_outside: bool = False
) -> tuple[list[SourceFile], list[LoadIssue]]:
    """Expand files and folders (recursively) into supported files, sorted, with fingerprints.

    Every folder's ``manifest.yaml`` applies to its whole subtree: its ``defaults`` and ``files``
    metadata (a nearer folder's manifest overrides a farther one's) and its ``exclude`` globs
    (relative to that folder). Sidecars (``*.meta.yaml``) are metadata, never documents. Hidden
    entries (``.name``) are skipped. See the module docstring for links and special files.
    """
    walk = _Walk(paths, follow_symlinks_outside)
    for root in paths:
        if not root.exists():
            if root.is_symlink():
                walk.check_link(root)
            else:
                walk.skip(root, "no such file or folder")
            continue
        if root.is_dir():
            walk.tree(root)
            continue
        mode = root.stat().st_mode
        if not stat.S_ISREG(mode):
            walk.skip(root, f"{_special_kind(mode)}, not a regular file; not read")
        elif root.suffix.lower() not in SUPPORTED_SUFFIXES:
            walk.skip(root, f"unsupported file type {root.suffix!r}")
        else:
            walk.add(root, {})
    return sorted(walk.found.values(), key=lambda s: s.key), walk.issues
