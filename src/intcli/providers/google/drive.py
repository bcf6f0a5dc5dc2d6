"""``fetch google.drive``: recent files (not trashed, newest first) and a document's text (``--content``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intcli.providers.google import check_id
from intcli.providers.google.spec import FILE_FIELDS  # the spec is where --fields is checked
from intcli.sdk import ItemList, TextResult, UpstreamError, UsageError, normal_time

if TYPE_CHECKING:
    from intcli.sdk import Environment, FetchRequest, Registry

_API_FIELDS = "nextPageToken,files(id,name,mimeType,modifiedTime,webViewLink,owners(emailAddress),size)"
PAGE_SIZE = 100
GOOGLE_DOCS = {  # Google's own formats, exported as text
    "application/vnd.google-apps.document": "text/plain",
    "application/vnd.google-apps.spreadsheet": "text/csv",
    "application/vnd.google-apps.presentation": "text/plain",
}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/x-yaml")


def drive_query(query: str | None, since: str | None) -> str:
    parts = ["trashed = false"]
    if since:
        parts.append(f"modifiedTime > '{since}'")
    if query:
        parts.append(f"({query})")
    return " and ".join(parts)


def to_item(raw: dict[str, Any]) -> dict[str, Any]:
    """An intcli file from Drive's; a field of the wrong type is a TypeError (exit 3)."""
    size = str(raw.get("size", ""))
    item = {
        "id": check_id(raw["id"]), "name": raw.get("name", ""), "mimeType": raw.get("mimeType", ""),
        "modifiedTime": normal_time(raw.get("modifiedTime")), "url": raw.get("webViewLink"),
        "owners": [str(o.get("emailAddress", "")) for o in raw.get("owners", []) if isinstance(o, dict)],
        "size": int(size) if size.isascii() and size.isdigit() and len(size) < 20 else None,
    }
    if not (isinstance(item["name"], str) and isinstance(item["mimeType"], str)
            and isinstance(item["modifiedTime"], str | None) and isinstance(item["url"], str | None)):
        raise TypeError("a file field has the wrong type")
    return item


def recent_files(api: Any, query: str | None = None, since: str | None = None, limit: int | None = None
                 ) -> ItemList:
    params: dict[str, Any] = {"q": drive_query(query, since), "orderBy": "modifiedTime desc",
                              "pageSize": min(PAGE_SIZE, limit) if limit else PAGE_SIZE, "fields": _API_FIELDS,
                              "spaces": "drive"}

    def files_of(page: dict[str, Any]) -> list[dict[str, Any]]:
        raws = page.get("files")
        if not isinstance(raws, list):
            raise UpstreamError("unexpected answer from Drive: no list of files", hint="check INTCLI_GOOGLE_API_URL")
        try:
            return [to_item(raw) for raw in raws]
        except (KeyError, TypeError, AttributeError):
            raise UpstreamError("unexpected answer from Drive: a file lacks its id", hint="retry later") from None

    files, _ = api.collect("/drive/v3/files", params, files_of, limit)
    return ItemList(files, len(files), key="files", fields=FILE_FIELDS,
                    table_fields=("id", "name", "mimeType", "modifiedTime", "owners"),
                    text_fields=("name",), optional_fields=("owners", "mimeType", "modifiedTime"))


def file_text(api: Any, file_id: str) -> TextResult:
    meta = api.get_json(f"/drive/v3/files/{file_id}", {"fields": "id,name,mimeType"})
    mime = str(meta.get("mimeType", ""))
    if mime in GOOGLE_DOCS:
        response = api.request("GET", f"/drive/v3/files/{file_id}/export", {"mimeType": GOOGLE_DOCS[mime]})
    elif mime.startswith(TEXT_TYPES):
        response = api.request("GET", f"/drive/v3/files/{file_id}", {"alt": "media"})
    else:
        raise UsageError(f"{meta.get('name', file_id)} is a {mime or 'file of unknown type'}, not a document intcli "
                         "can show as text", hint="--content works for Google Docs, Sheets, Slides and text files")
    try:
        text = response.content.decode("utf-8")
    except UnicodeDecodeError:
        text = response.content.decode("latin-1")
    return TextResult(text, {"id": meta.get("id", file_id), "name": meta.get("name"), "mimeType": mime})


def fetch_files(env: Environment, registry: Registry, request: FetchRequest) -> ItemList | TextResult:
    from intcli.providers.google.api import GoogleAPI
    from intcli.providers.google.auth import session
    from intcli.sdk import since_option

    content, query, since = request.get("content"), request.get("query"), since_option(env, request.get("since"))
    if content is not None:
        if not content.strip():
            raise UsageError("--content needs a file id", hint="take one from `intcli fetch google.drive`")
        if query or since or request.limit:
            raise UsageError("--content prints one document: --query, --since and --limit do not apply",
                             hint="drop them")
        try:
            file_id = check_id(content.strip())
        except TypeError:
            raise UsageError(f"--content {content[:60]!r} is not a Drive file id",
                             hint="take one from the id column of `intcli fetch google.drive`") from None
    with GoogleAPI(env, session(env, registry), request.max_wait) as api:
        if content is not None:
            return file_text(api, file_id)
        return recent_files(api, query, since, request.limit)
