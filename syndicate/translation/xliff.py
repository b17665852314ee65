"""XLIFF 1.2 export and import for CAT tools (translate-toolkit).

One ``<trans-unit>`` per segment, its id the segment key. Placeholders become
locked ``<x id="N"/>`` inline elements whose ``equiv-text`` shows what they
stand for, so a translator sees the link or the name but cannot change it.
Importing maps the targets back to masked text and submits them like desk
edits: a unit whose target lost, doubled or reordered a placeholder, or
added inline markup of its own, is refused with the reason.
"""

from __future__ import annotations

from html import escape, unescape
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring
from sqlalchemy.orm import Session
from translate.storage import xliff as ttk_xliff
from translate.storage.placeables import StringElem
from translate.storage.placeables import xliff as placeables

from syndicate.errors import PlaceholderMismatch, Problem, ValidationFailed
from syndicate.languages.registry import LANGUAGES
from syndicate.pipeline.outbox import UnitOfWork
from syndicate.translation import desk
from syndicate.translation.placeholders import TOKEN_RE, Placeholder, from_dicts, token
from syndicate.translation.publish import segments_of
from syndicate.translation.tables import TranslationJob

NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
CONTENT_TYPE = "application/xliff+xml"
_CTYPE = {"tag": "x-html", "term": "x-protected-name", "number": "x-number", "url": "x-url"}


class _Unit12(ttk_xliff.xliffunit):
    namespace = NAMESPACE  # translate-toolkit writes XLIFF 1.1 units unless told otherwise


def original(job: TranslationJob) -> str:
    return f"syndicate-job-{job.id}"


def _equiv(p: Placeholder) -> str:
    if p.kind == "term" and p.target:
        return f"{p.source} = {p.target}"
    return p.source


def _rich(masked: str, placeholders: tuple[Placeholder, ...]) -> StringElem:
    by_id = {p.id: p for p in placeholders}
    parts: list[object] = []
    last = 0
    for m in TOKEN_RE.finditer(masked):
        if m.start() > last:
            parts.append(unescape(masked[last : m.start()]))
        p = by_id[int(m.group(1))]
        parts.append(placeables.X(id=str(p.id), xml_attrib={"equiv-text": _equiv(p), "ctype": _CTYPE[p.kind]}))
        last = m.end()
    if last < len(masked):
        parts.append(unescape(masked[last:]))
    return StringElem(parts)


def export(session: Session, job: TranslationJob) -> bytes:
    """The job as an XLIFF 1.2 document; targets hold the current translation or draft."""
    src, tgt = LANGUAGES[job.source_language].bcp47, LANGUAGES[job.target_language].bcp47
    skeleton = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<xliff xmlns="{NAMESPACE}" version="1.2">'
        f'<file original="{original(job)}" source-language="{src}" target-language="{tgt}" datatype="html">'
        "<body></body></file></xliff>"
    )
    store = ttk_xliff.xlifffile.parsestring(skeleton.encode())
    for seg in segments_of(session, job):
        placeholders = from_dicts(seg.placeholders)
        unit = _Unit12("")
        unit.rich_source = [_rich(seg.source_text, placeholders)]
        unit.setid(seg.key)
        if seg.text is not None:
            unit.rich_target = [_rich(seg.text, placeholders)]
        unit.addnote(f"{seg.kind}; {seg.status}" + (f"; {seg.draft_origin}" if seg.draft_origin else ""), "developer")
        store.addunit(unit)
    return bytes(store)


def _placeholder_id(leaf: object) -> str | None:
    if isinstance(leaf, placeables.X | placeables.Ph):
        return str(leaf.id)
    node = getattr(leaf, "xml_node", None)  # translate-toolkit keeps unknown elements as UnknownXML
    if node is not None and str(node.tag).rsplit("}", 1)[-1] in ("x", "ph"):
        return str(node.get("id"))
    return None


def _masked(elem: StringElem) -> str:
    """A parsed target back to masked text: text escaped, ``<x>`` (or ``<ph>``) to tokens."""
    out: list[str] = []
    for leaf in elem.flatten():
        pid = _placeholder_id(leaf)
        if pid is not None:
            if not pid.isdigit():
                raise PlaceholderMismatch(f"unknown placeholder id {pid!r}")
            out.append(token(int(pid)))
        elif type(leaf) is StringElem:
            out.append(escape("".join(s for s in leaf.sub if isinstance(s, str)), quote=False))
        else:
            raise PlaceholderMismatch(f"inline element <{type(leaf).__name__.lower()}> is not allowed here")
    return "".join(out)


def read(data: bytes, job: TranslationJob) -> dict[str, str]:
    """Masked targets by segment key from an XLIFF file exported for ``job``."""
    # defusedxml reads the file first, in whatever encoding it declares (a byte search for
    # "<!DOCTYPE" misses UTF-16): no DTD, no entity, no external reference gets past it.
    try:
        defused_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ValidationFailed([Problem("xliff", "document type declarations are not accepted")]) from None
    except (ParseError, ValueError) as exc:
        raise ValidationFailed([Problem("xliff", f"not a readable XLIFF file: {exc}")]) from None
    try:
        store = ttk_xliff.xlifffile.parsestring(data)
    except Exception as exc:  # translate-toolkit raises lxml and base errors alike
        raise ValidationFailed([Problem("xliff", f"not a readable XLIFF file: {exc}")]) from None
    files = store.document.getroot().findall(f"{{{store.namespace}}}file")
    if files and files[0].get("original") not in (None, original(job)):
        raise ValidationFailed([Problem("xliff", f"this file is {files[0].get('original')}, not {original(job)}")])
    edits: dict[str, str] = {}
    problems: list[Problem] = []
    for unit in store.getunits():
        key = unit.xmlelement.get("id")
        target = unit.xmlelement.find(f"{{{store.namespace}}}target")
        if not key or target is None or (not (target.text or "").strip() and len(target) == 0):
            continue
        try:
            edits[key] = _masked(unit.rich_target[0])
        except PlaceholderMismatch as exc:
            problems.append(Problem(f"segments.{key}", str(exc)))
    if problems:
        raise ValidationFailed(problems)
    return edits


def import_(uow: UnitOfWork, job_id: int, data: bytes, *, actor: str) -> tuple[TranslationJob, int]:
    """Read an XLIFF file and submit its targets as edits of the job's segments."""
    job = desk.get_job(uow.session, job_id, lock=True)
    edits = read(data, job)
    if not edits:
        raise ValidationFailed([Problem("xliff", "no translated unit in the file")])
    return desk.submit(uow, job_id, edits, actor=actor), len(edits)
