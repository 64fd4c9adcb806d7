"""What spans the curriculum's files: unique slugs and orders, known prerequisites without
cycles, and the course's track lists, capstone and class days naming modules that fit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection

from peeredu.content_files import ProblemList, first_holder, suggestion
from peeredu.curriculum.course_file import COURSE_FILE, CourseFile
from peeredu.curriculum.module_files import MODULES_DIR, ModuleFile


def check_references(
    course: CourseFile | None,
    modules: list[ModuleFile],
    slugs_with_progress: Collection[str],
    problems: ProblemList,
) -> None:
    by_slug: dict[str, ModuleFile] = {}
    by_order: dict[int, ModuleFile] = {}
    for module in modules:
        if (first := first_holder(by_slug, module.slug, module)) is not None:
            message = f'"{module.slug}" is also the slug of {first.file}; every module needs'
            message += " its own slug"
            problems.error(module.file, "slug", message)
        if (first := first_holder(by_order, module.order, module)) is not None:
            message = f"{module.order} is also the order of {first.file}; every module needs"
            message += " its own number"
            problems.error(module.file, "order", message)
    # Files whose slug could not be read: references to them are not "unknown".
    unreadable = {m.name_slug for m in modules if m.slug is None and m.name_slug}

    def unknown(slug: str) -> str | None:
        if slug in by_slug or slug in unreadable:
            return None
        return f'unknown module "{slug}"' + suggestion(slug, by_slug)

    for module in modules:
        for slug in module.prerequisites or ():
            if slug == module.slug:
                continue  # reported as a cycle
            if (refused := unknown(slug)) is not None:
                problems.error(module.file, "prerequisites", refused)
    in_cycles = _check_cycles(by_slug, problems)
    if course is not None:
        _check_course_references(course, by_slug, unknown, in_cycles, problems)
    known = set(by_slug) | unreadable
    for slug in sorted(set(slugs_with_progress) - known):
        problems.warn(
            MODULES_DIR,
            "slug",
            f'learners have progress on "{slug}", but no module '
            "file has that slug; was it renamed? (see Slugs in README.md)",
        )


def _check_cycles(by_slug: dict[str, ModuleFile], problems: ProblemList) -> set[str]:
    """Report each prerequisite cycle once; returns the slugs that are in one."""
    requires = {
        slug: [p for p in module.prerequisites or () if p in by_slug]
        for slug, module in by_slug.items()
    }
    done: set[str] = set()
    reported: set[frozenset[str]] = set()

    def visit(slug: str, path: list[str]) -> None:
        if slug in path:
            cycle = path[path.index(slug) :]
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                chain = " -> ".join([*cycle, slug])
                problems.error(
                    by_slug[slug].file,
                    "prerequisites",
                    f"prerequisite cycle: {chain} (each requires the next, so none can be started)",
                )
            return
        if slug in done:
            return
        path.append(slug)
        for prerequisite in requires[slug]:
            visit(prerequisite, path)
        path.pop()
        done.add(slug)

    for slug in sorted(by_slug, key=lambda s: by_slug[s].file):
        visit(slug, [])
    return {slug for cycle in reported for slug in cycle}


def _check_course_references(
    course: CourseFile,
    by_slug: dict[str, ModuleFile],
    unknown: Callable[[str], str | None],
    in_cycles: set[str],
    problems: ProblemList,
) -> None:
    for track, slugs in course.tracks.items():
        if slugs is None:
            continue
        where = f"tracks.{track.value}.modules"
        for slug, times in Counter(slugs).items():
            if times > 1:
                problems.error(COURSE_FILE, where, f'"{slug}" is listed {times} times')
        position: dict[str, int] = {}
        for index, slug in enumerate(slugs):
            position.setdefault(slug, index)
        for slug in position:
            message = unknown(slug)
            if message:
                problems.error(COURSE_FILE, where, message)
                continue
            module = by_slug.get(slug)
            if module is None:
                continue  # its file is unreadable, and that is reported there
            if module.tracks is not None and track not in module.tracks:
                problems.error(
                    COURSE_FILE,
                    where,
                    f'"{slug}" is not marked for the '
                    f'{track.value} track: add "{track.value}" to tracks in '
                    f"{module.file}, or take it out of this list",
                )
            for prerequisite in module.prerequisites or ():
                # A cycle has no right order; it is reported once, as a cycle.
                if prerequisite not in by_slug or slug in in_cycles:
                    continue
                if prerequisite not in position:
                    problems.error(
                        COURSE_FILE,
                        where,
                        f'"{slug}" requires "{prerequisite}", which is not in this track',
                    )
                elif position[prerequisite] > position[slug]:
                    problems.error(
                        COURSE_FILE,
                        where,
                        f'"{prerequisite}" must come before "{slug}", which requires it',
                    )
    if course.capstone is not None:
        message = unknown(course.capstone)
        if message:
            problems.error(COURSE_FILE, "capstone", message)
        else:
            for track, slugs in course.tracks.items():
                if slugs is not None and course.capstone not in slugs:
                    problems.error(
                        COURSE_FILE,
                        "capstone",
                        f'"{course.capstone}" is not in '
                        f"tracks.{track.value}.modules; the capstone is part of "
                        "every track",
                    )
    for block, slug in course.day_modules:
        message = unknown(slug)
        if message:
            problems.error(COURSE_FILE, f"class_days[{block}].module", message)
