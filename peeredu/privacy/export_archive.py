"""The export's archive: ``data.json``, a README and Markdown files to read, in one ZIP."""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable
from typing import Any

from peeredu.errors import N_

Translate = Callable[[str], str]

# Headings of the Markdown files, translated by the caller into the reader's language.
TEXTS = {
    "title": N_("Your data from Skolen for Recovery"),
    "intro": N_(
        "This archive holds the data kept about you: data.json with everything (for programs), "
        "and Markdown files to read. Reflections and the practice log are in one folder per "
        "enrolment."
    ),
    "profile": N_("Profile"),
    "name": N_("Name"),
    "email": N_("Email"),
    "language": N_("Language"),
    "roles": N_("Roles"),
    "created": N_("Account created"),
    "enrolments": N_("Enrolments"),
    "log": N_("Practice log"),
    "no_notes": N_("No notes."),
    "draft": N_("Draft"),
    "version": N_("Version %(number)s, submitted %(date)s"),
    "late": N_("late"),
    "feedback": N_("Feedback, released %(date)s"),
    "decision": N_("Decision"),
    "met": N_("met"),
    "not_yet": N_("not yet"),
    "deleted": N_("The text has been deleted."),
    "status": N_("Status"),
}

FIELDS = """\
## data.json

- `format`: the version of this structure (`peeredu-export/1`); `exported_at`: when (UTC).
- `profile`: `id`, `name`, `email`, `locale`, `roles`, `created_at`, `last_login_at`.
- `enrolments`: one per cohort, each with `cohort` (`name`, `start_date`, `end_date`),
  `organisation`, `track`, `work_role`, `status`, `created_at`, and
  - `completed_modules`: `module_slug`, `module_title`, `completed_at`, `kind`
    (`learner`, `teacher` or `approval`);
  - `attendance`: `date`, `topic`, `status`;
  - `extensions`: `assignment_slug`, `due_on`;
  - `practice_log`: `noted_on`, `text`, `created_at`;
  - `reflections`: `assignment_slug`, `assignment_title`, `module_slug`, `status`,
    `supervision_flag`, `texts_deleted_at`, `draft` (`text`, `fields`, `saved_at`) and
    `versions` (`number`, `submitted_at`, `late`, `word_count`, `text`, `fields`, and
    `feedback`: `decision`, `released_at`, `teacher`, `overall_comment`, `criteria` with
    `key`, `title`, `met`, `comment`; null until feedback is released);
  - `certificate`: `code`, `participant_name`, `course_title`, `track`, `hours`,
    `cohort_name`, `cohort_start`, `cohort_end`, `issued_at`, `valid`, `revoked_at`; or null.

Dates are ISO 8601; times are UTC.
"""


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:60] or "x"


def _readme(data: dict[str, Any], t: Translate) -> str:
    profile = data["profile"]
    lines = [
        f"# {t(TEXTS['title'])}",
        "",
        t(TEXTS["intro"]),
        "",
        f"## {t(TEXTS['profile'])}",
        "",
        f"- {t(TEXTS['name'])}: {profile['name']}",
        f"- {t(TEXTS['email'])}: {profile['email']}",
        f"- {t(TEXTS['language'])}: {profile['locale']}",
        f"- {t(TEXTS['roles'])}: {', '.join(profile['roles'])}",
        f"- {t(TEXTS['created'])}: {profile['created_at']}",
        "",
        f"## {t(TEXTS['enrolments'])}",
        "",
    ]
    for enrolment in data["enrolments"]:
        cohort = enrolment["cohort"]
        lines.append(
            f"- {cohort['name']} ({cohort['start_date']} – {cohort['end_date']}), "
            f"{enrolment['organisation']}, {enrolment['track']}, {enrolment['status']}: "
            f"`{_folder(enrolment)}/`"
        )
    return "\n".join(lines) + "\n\n" + FIELDS


def _folder(enrolment: dict[str, Any]) -> str:
    return f"{enrolment['id']}-{_slug(enrolment['cohort']['name'])}"


def _log_markdown(enrolment: dict[str, Any], t: Translate) -> str:
    lines = [f"# {t(TEXTS['log'])}: {enrolment['cohort']['name']}", ""]
    for note in enrolment["practice_log"]:
        lines += [f"## {note['noted_on']}", "", note["text"], ""]
    if not enrolment["practice_log"]:
        lines += [t(TEXTS["no_notes"]), ""]
    return "\n".join(lines)


def _fields_markdown(text: str, fields: dict[str, str]) -> list[str]:
    if fields:
        return [part for key, value in fields.items() for part in (f"**{key}**", "", value, "")]
    return [text, ""]


def _reflection_markdown(reflection: dict[str, Any], t: Translate) -> str:
    lines = [
        f"# {reflection['assignment_title']}",
        "",
        f"{t(TEXTS['status'])}: {reflection['status']}",
        "",
    ]
    if reflection["texts_deleted_at"]:
        lines += [f"*{t(TEXTS['deleted'])}* ({reflection['texts_deleted_at']})", ""]
    draft = reflection["draft"]
    if draft["text"] or any(draft["fields"].values()):
        lines += [f"## {t(TEXTS['draft'])}", ""]
        lines += _fields_markdown(draft["text"], draft["fields"])
    for version in reflection["versions"]:
        heading = t(TEXTS["version"]) % {
            "number": version["number"],
            "date": version["submitted_at"],
        }
        late = f" ({t(TEXTS['late'])})" if version["late"] else ""
        lines += [f"## {heading}{late}", "", version["text"], ""]
        feedback = version["feedback"]
        if feedback:
            lines += [
                f"### {t(TEXTS['feedback']) % {'date': feedback['released_at']}}",
                "",
                f"{t(TEXTS['decision'])}: {feedback['decision']}",
                "",
                feedback["overall_comment"],
                "",
            ]
            for criterion in feedback["criteria"]:
                mark = t(TEXTS["met"]) if criterion["met"] else t(TEXTS["not_yet"])
                comment = f": {criterion['comment']}" if criterion["comment"] else ""
                lines.append(f"- **{criterion['title']}** ({mark}){comment}")
            lines.append("")
    return "\n".join(lines)


def build_zip(data: dict[str, Any], translate: Translate) -> bytes:
    """The archive for ``collect``'s data, with Markdown headings through ``translate``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("README.md", _readme(data, translate))
        for enrolment in data["enrolments"]:
            folder = _folder(enrolment)
            archive.writestr(f"{folder}/practice-log.md", _log_markdown(enrolment, translate))
            for reflection in enrolment["reflections"]:
                name = _slug(reflection["assignment_slug"])
                archive.writestr(
                    f"{folder}/reflections/{name}.md", _reflection_markdown(reflection, translate)
                )
    return buffer.getvalue()
