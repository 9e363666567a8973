"""The catalogue page ``/su-kien``: every public event, generated from the contracts.

Server-rendered, no external assets (the deployment may be offline); Vietnamese first,
English with ``Accept-Language: en`` or ``?lang=en``."""

import json
from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from motcua_contracts.catalogue import catalogue, internal_event_classes

TEXT = {
    "vi": {
        "title": "Danh mục sự kiện công khai",
        "intro": "Các hệ thống khác (cổng dịch vụ công, tổng đài SMS, kho dữ liệu…) nhận các sự kiện dưới đây "
                 "qua NATS hoặc webhook. Sự kiện không chứa dữ liệu cá nhân đầy đủ (số định danh, số điện thoại, "
                 "địa chỉ). Mỗi sự kiện có chủ đề (subject), lược đồ JSON, ví dụ và lịch sử phiên bản.",
        "download": "Tải AsyncAPI của mọi sự kiện công khai", "json": "Danh mục dạng JSON",
        "event": "Sự kiện", "by": "Nguồn", "subject": "Chủ đề (mọi xã)", "what": "Ý nghĩa",
        "fields": "Trường dữ liệu", "type": "Kiểu", "required": "Bắt buộc", "meaning": "Ý nghĩa",
        "example": "Ví dụ", "history": "Lịch sử phiên bản", "schema": "Lược đồ JSON", "yes": "có", "no": "không",
        "date": "Ngày", "change": "Thay đổi", "added": "Trường thêm", "version": "Phiên bản",
        "internal": "Sự kiện nội bộ (không cung cấp ra ngoài)",
        "commune_subject": "Chủ đề của một xã",
    },
    "en": {
        "title": "Public event catalogue",
        "intro": "Other systems (the public-service portal, an SMS gateway, a data warehouse…) receive the events "
                 "below over NATS or webhooks. Events carry no full personal data (ID number, phone, address). "
                 "Each has a subject, a JSON Schema, an example and a version history.",
        "download": "Download the AsyncAPI of every public event", "json": "Catalogue as JSON",
        "event": "Event", "by": "Source", "subject": "Subject (every commune)", "what": "Meaning",
        "fields": "Fields", "type": "Type", "required": "Required", "meaning": "Meaning",
        "example": "Example", "history": "Version history", "schema": "JSON Schema", "yes": "yes", "no": "no",
        "date": "Date", "change": "Change", "added": "Fields added", "version": "Version",
        "internal": "Internal events (not offered to other systems)",
        "commune_subject": "Subject of one commune",
    },
}

STYLE = """
body{font-family:system-ui,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2733;background:#f6f8fa}
header{background:#a3161a;color:#fff;padding:1rem 1.5rem}header h1{margin:0;font-size:1.5rem}
main{max-width:72rem;margin:0 auto;padding:1rem 1.5rem}
table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1rem}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.92rem}
th{background:#eef1f4}code{font-size:.88rem}pre{background:#0d1117;color:#e6edf3;padding:.75rem;overflow:auto;
font-size:.82rem;border-radius:4px}section.event{background:#fff;border:1px solid #d0d7de;border-radius:6px;
padding:.5rem 1rem;margin:1rem 0}details summary{cursor:pointer;font-weight:600}a{color:#0a58ca}
nav a{margin-right:1rem}
"""


def _lang(request: Request) -> str:
    if request.query_params.get("lang") == "en":
        return "en"
    return "en" if request.headers.get("accept-language", "").lower().startswith("en") else "vi"


def render_catalogue_page(lang: str) -> str:
    t = TEXT[lang]
    entries = catalogue()
    rows = "".join(
        f'<tr><td><a href="#{escape(e.key)}">{escape(e.event_type)}</a> v{e.schema_version}</td>'
        f"<td>{escape(e.owner)}</td><td><code>{escape(e.subject_all_communes)}</code></td>"
        f"<td>{escape(e.summary)}</td></tr>" for e in entries)
    sections = []
    for e in entries:
        fields = "".join(
            f"<tr><td><code>{escape(f.name)}</code></td><td>{escape(f.type)}</td>"
            f"<td>{t['yes'] if f.required else t['no']}</td><td>{escape(f.description)}</td></tr>" for f in e.fields)
        history = "".join(
            f"<tr><td>v{c.schema_version}</td><td>{escape(c.date)}</td><td>{escape(c.note)}</td>"
            f"<td>{', '.join(f'<code>{escape(n)}</code>' for n in c.fields_added) or '—'}</td></tr>"
            for c in e.history)
        sections.append(f"""
<section class="event" id="{escape(e.key)}" data-event="{escape(e.event_type)}">
  <h2>{escape(e.event_type)} v{e.schema_version}</h2>
  <p>{escape(e.description)}</p>
  <p>{t['commune_subject']}: <code class="subject">{escape(e.subject)}</code> · {t['by']}: {escape(e.owner)} ·
     <a class="schema" href="/v1/catalogue/schemas/{escape(e.schema_file)}">{t['schema']}</a></p>
  <details><summary>{t['fields']}</summary>
    <table><thead><tr><th>{t['fields']}</th><th>{t['type']}</th><th>{t['required']}</th><th>{t['meaning']}</th></tr>
    </thead><tbody>{fields}</tbody></table></details>
  <details class="example"><summary>{t['example']}</summary>
    <pre>{escape(json.dumps(e.example, indent=2, ensure_ascii=False))}</pre></details>
  <h3>{t['history']}</h3>
  <table class="history"><thead><tr><th>{t['version']}</th><th>{t['date']}</th><th>{t['change']}</th>
  <th>{t['added']}</th></tr></thead><tbody>{history}</tbody></table>
</section>""")
    internal = ", ".join(f"<code>{escape(c.event_type)}</code>" for c in internal_event_classes())
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{t['title']}</title><style>{STYLE}</style></head>
<body><header><h1>{t['title']}</h1></header><main>
<p>{t['intro']}</p>
<nav><a id="asyncapi" href="/v1/catalogue/asyncapi.json" download>{t['download']}</a>
<a href="/v1/catalogue">{t['json']}</a> <a href="?lang={'en' if lang == 'vi' else 'vi'}">{'English' if lang == 'vi' else 'Tiếng Việt'}</a></nav>
<table id="events"><thead><tr><th>{t['event']}</th><th>{t['by']}</th><th>{t['subject']}</th><th>{t['what']}</th></tr></thead>
<tbody>{rows}</tbody></table>
{''.join(sections)}
<p class="internal">{t['internal']}: {internal}.</p>
</main></body></html>"""


def router() -> APIRouter:
    pages = APIRouter(tags=["pages"])
    rendered = {lang: render_catalogue_page(lang) for lang in TEXT}

    @pages.get("/su-kien", response_class=HTMLResponse, summary="The public event catalogue (page)")
    async def catalogue_page(request: Request) -> HTMLResponse:
        return HTMLResponse(rendered[_lang(request)])

    return pages
