"""The course content an app runs on, parsed once per process.

An app made again in the same process (the test suite makes one per test; a host may make
several) reuses the parsed curriculum and assignments instead of parsing them again. Both are
frozen, so apps can share them; a changed, added or removed file parses afresh. Invalid
content is never kept: the loaders raise ContentError and the app does not start.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from peeredu.curriculum.content import Curriculum
from peeredu.curriculum.loader import load_curriculum
from peeredu.reflections.definitions import AssignmentSet
from peeredu.reflections.loader import load_assessments

_CONTENT_CACHE: dict[tuple[str, ...], tuple[Curriculum, AssignmentSet]] = {}
_CONTENT_CACHE_SIZE = 8


def load_content(curriculum_dir: Path, assessments_dir: Path) -> tuple[Curriculum, AssignmentSet]:
    key = (_fingerprint(curriculum_dir), _fingerprint(assessments_dir))
    found = _CONTENT_CACHE.get(key)
    if found is None:
        curriculum = load_curriculum(curriculum_dir)
        found = curriculum, load_assessments(assessments_dir, curriculum)
        if len(_CONTENT_CACHE) >= _CONTENT_CACHE_SIZE:
            del _CONTENT_CACHE[next(iter(_CONTENT_CACHE))]
        _CONTENT_CACHE[key] = found
    return found


def _fingerprint(folder: Path) -> str:
    """The folder's resolved path and a digest of every file's name and bytes under it."""
    digest = hashlib.blake2b()
    root = folder.resolve()
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            data = path.read_bytes()
            digest.update(f"{path.relative_to(root)}\0{len(data)}\0".encode() + data)
    return f"{root}:{digest.hexdigest()}"
