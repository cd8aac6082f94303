"""Discovery over real folders: manifests in every folder, links that stay inside, special files.

Issue 14: M7 (links followed out of the library), M8 (a sub-folder's manifest ignored) and L2
(dangling links, loops, FIFOs, devices and unreadable folders skipped without a word).
"""

from __future__ import annotations

import importlib
import os
import shutil
from pathlib import Path

import pytest

from curbside.ingest.discover import discover

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
BODY = "Warfarin needs INR monitoring after every dose change and new interacting drug.\n"


def _reasons(issues) -> dict[str, str]:
    return {i.path: i.reason for i in issues}


# ---------------------------------------------------------------------------------------------
# M8: every folder's manifest applies to its subtree


def test_bundled_corpus_inside_a_larger_library_gives_the_same_documents(tmp_path: Path) -> None:
    direct, direct_issues = discover([CORPUS])
    assert len(direct) == 47 and direct_issues == []
    library = tmp_path / "library"
    shutil.copytree(CORPUS, library / "corpus")
    (library / "my-notes.md").write_text("# My notes\n\n" + BODY)
    nested, nested_issues = discover([library])
    assert nested_issues == []
    inside = {s.path.relative_to(library / "corpus").as_posix(): s.folder_meta for s in nested if "corpus" in s.path.parts}
    assert inside == {s.path.relative_to(CORPUS).as_posix(): s.folder_meta for s in direct}
    assert not {"README.md", "FORMAT.md"} & set(inside)
    assert not any(rel.startswith("pdf-sources/") for rel in inside)
    assert [s.path.name for s in nested if "corpus" not in s.path.parts] == ["my-notes.md"]


def test_nearer_manifest_overrides_farther_and_excludes_are_relative_to_their_folder(
    tmp_path: Path,
) -> None:
    lib = tmp_path / "lib"
    (lib / "sub" / "drafts").mkdir(parents=True)
    (lib / "sub" / "old").mkdir()
    (lib / "manifest.yaml").write_text(
        "defaults:\n  publisher: Outer Trust\n  kind: guideline\nexclude:\n  - 'sub/drafts/**'\n"
    )
    (lib / "sub" / "manifest.yaml").write_text(
        "defaults:\n  publisher: Inner Society\nfiles:\n  b.md:\n    year: 2021\nexclude:\n  - 'old/'\n  - 'skip-*.md'\n"
    )
    for rel in ("a.md", "sub/b.md", "sub/skip-me.md", "sub/drafts/c.md", "sub/old/d.md"):
        (lib / rel).write_text(f"# {rel}\n\n{BODY}")
    found, issues = discover([lib])
    assert issues == []
    meta = {s.path.relative_to(lib).as_posix(): s.folder_meta for s in found}
    assert set(meta) == {"a.md", "sub/b.md"}
    assert meta["a.md"] == {"publisher": "Outer Trust", "kind": "guideline"}
    assert meta["sub/b.md"] == {"publisher": "Inner Society", "kind": "guideline", "year": 2021}


def test_malformed_sub_folder_manifest_is_reported_and_its_folder_still_walked(
    tmp_path: Path,
) -> None:
    lib = tmp_path / "lib"
    (lib / "sub").mkdir(parents=True)
    (lib / "sub" / "manifest.yaml").write_text("defaults: [unclosed\n")
    (lib / "sub" / "x.md").write_text(f"# X\n\n{BODY}")
    found, issues = discover([lib])
    assert [s.path.name for s in found] == ["x.md"]
    [issue] = issues
    assert issue.path == str(lib / "sub" / "manifest.yaml") and "malformed YAML" in issue.reason


# ---------------------------------------------------------------------------------------------
# M7: links do not leave the given folders unless the setting allows it


def _library_with_outside_links(tmp_path: Path) -> tuple[Path, Path]:
    lib, outside = tmp_path / "lib", tmp_path / "outside"
    lib.mkdir()
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.txt").write_text("Private notes that were never meant to be indexed here.\n")
    (outside / "folder" / "more.md").write_text(f"# More\n\n{BODY}")
    (lib / "real.md").write_text(f"# Real\n\n{BODY}")
    (lib / "notes.txt").symlink_to("/etc/passwd")
    (lib / "secret.txt").symlink_to(outside / "secret.txt")
    (lib / "elsewhere").symlink_to(outside / "folder", target_is_directory=True)
    (lib / "alias.md").symlink_to(lib / "real.md")  # inside: fine
    return lib, outside


def test_links_out_of_the_library_are_reported_not_followed(tmp_path: Path) -> None:
    lib, _ = _library_with_outside_links(tmp_path)
    found, issues = discover([lib])
    assert {s.key for s in found} == {str((lib / "real.md").resolve())}
    reasons = _reasons(issues)
    assert set(reasons) == {str(lib / "notes.txt"), str(lib / "secret.txt"), str(lib / "elsewhere")}
    assert "/etc/passwd" in reasons[str(lib / "notes.txt")]
    for reason in reasons.values():
        assert "outside the folders given" in reason and "follow_symlinks_outside" in reason


def test_follow_symlinks_outside_setting_allows_them(tmp_path: Path) -> None:
    lib, outside = _library_with_outside_links(tmp_path)
    (lib / "notes.txt").unlink()  # /etc/passwd is not this test's business
    found, issues = discover([lib], follow_symlinks_outside=True)
    assert issues == []
    assert {s.key for s in found} == {
        str((lib / "real.md").resolve()),
        str((outside / "secret.txt").resolve()),
        str((outside / "folder" / "more.md").resolve()),
    }


def test_link_between_two_given_folders_is_inside(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (b / "target.md").write_text(f"# Target\n\n{BODY}")
    (a / "link.md").symlink_to(b / "target.md")
    found, issues = discover([a, b])
    assert issues == []
    assert [s.key for s in found] == [str((b / "target.md").resolve())]


def test_settings_index_group_carries_follow_symlinks_outside() -> None:
    from curbside.settings import IndexSettings

    field = IndexSettings.model_fields["follow_symlinks_outside"]
    assert field.default is False and field.description


# ---------------------------------------------------------------------------------------------
# L2: every entry skipped for being odd gets a report line, and nothing hangs


@pytest.mark.timeout(30)
def test_dangling_links_loops_fifos_and_devices_are_reported(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    (lib / "sub").mkdir(parents=True)
    (lib / "good.md").write_text(f"# Good\n\n{BODY}")
    (lib / "dangling.md").symlink_to(lib / "gone.md")
    (lib / "loop-a.md").symlink_to(lib / "loop-b.md")
    (lib / "loop-b.md").symlink_to(lib / "loop-a.md")
    (lib / "self.txt").symlink_to(lib / "self.txt")
    (lib / "sub" / "up").symlink_to(lib, target_is_directory=True)  # a folder loop
    os.mkfifo(lib / "pipe.txt")  # opening it would block the ingest for ever
    (lib / "zero.txt").symlink_to("/dev/zero")  # reading it would never end
    found, issues = discover([lib])
    assert [s.path.name for s in found] == ["good.md"]
    reasons = _reasons(issues)
    assert set(reasons) == {
        str(lib / name)
        for name in ("dangling.md", "loop-a.md", "loop-b.md", "self.txt", "sub/up", "pipe.txt", "zero.txt")
    }
    assert "dangling symbolic link" in reasons[str(lib / "dangling.md")]
    for name in ("loop-a.md", "loop-b.md", "self.txt", "sub/up"):
        assert "symbolic link loop" in reasons[str(lib / name)], name
    assert "FIFO" in reasons[str(lib / "pipe.txt")] and "not read" in reasons[str(lib / "pipe.txt")]
    assert "/dev/zero" in reasons[str(lib / "zero.txt")]
    # allowed out of the folder, /dev/zero is still a device, never opened
    _, issues = discover([lib], follow_symlinks_outside=True)
    assert "character device" in _reasons(issues)[str(lib / "zero.txt")]


@pytest.mark.timeout(30)
def test_special_file_given_directly_is_reported_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    found, issues = discover([fifo, Path("/dev/zero")])
    assert found == []
    reasons = _reasons(issues)
    assert "FIFO" in reasons[str(fifo)]
    assert "character device" in reasons["/dev/zero"]


def test_unreadable_folder_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lib = tmp_path / "lib"
    (lib / "locked").mkdir(parents=True)
    (lib / "locked" / "x.md").write_text(f"# X\n\n{BODY}")
    (lib / "open.md").write_text(f"# Open\n\n{BODY}")
    real_scandir = os.scandir

    def scandir(path):  # root can read any folder, so refuse this one as the kernel would
        if Path(path) == lib / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(importlib.import_module("curbside.ingest.discover").os, "scandir", scandir)
    found, issues = discover([lib])
    assert [s.path.name for s in found] == ["open.md"]
    assert _reasons(issues) == {str(lib / "locked"): "cannot read folder (Permission denied)"}


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_unreadable_folder_is_reported_for_real(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    (lib / "locked").mkdir(parents=True)
    (lib / "locked" / "x.md").write_text(f"# X\n\n{BODY}")
    (lib / "locked").chmod(0)
    try:
        found, issues = discover([lib])
    finally:
        (lib / "locked").chmod(0o755)
    assert found == []
    assert "cannot read folder" in _reasons(issues)[str(lib / "locked")]

