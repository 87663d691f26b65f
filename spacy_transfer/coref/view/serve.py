"""Serve the coref view: fixed docs (`serve_coref`, like displacy.serve) or a page where
one pastes text that a pipeline annotates server-side (`serve_visualizer`, behind
`python -m spacy_transfer visualize PIPELINE`).

The standard library's WSGI server handles one request at a time, so the pipeline is
never called from two threads at once.
"""

import html
from typing import Callable, Iterable, List, Optional, Sequence, Tuple, Union
from urllib.parse import parse_qs
from wsgiref import simple_server

from spacy.language import Language
from spacy.tokens import Doc

from ...errors import Errors
from .render import PAGE, SCRIPT, STYLE, render_coref, render_doc

DEFAULT_PORT = 5002
DEFAULT_HOST = "127.0.0.1"
DEFAULT_MAX_LENGTH = 100_000  # characters of pasted text

FORM_STYLE = """
form{max-width:900px;margin-bottom:1.2em}textarea{width:100%;height:5em;font-size:15px;
 font-family:inherit;padding:.5em;box-sizing:border-box;border:1px solid #d1d5db;border-radius:6px}
button{margin-top:.5em;font-size:15px;padding:.4em 1.2em;border-radius:6px;border:1px solid #1f2937;
 background:#1f2937;color:#fff;cursor:pointer}
.coref-message{max-width:900px;padding:.6em 1em;border-radius:6px;background:#fef3c7;
 border:1px solid #f59e0b;font-family:system-ui,sans-serif;margin-bottom:1em}
h1{font-family:system-ui,sans-serif;font-size:20px}
"""

Response = Tuple[str, str]  # (HTTP status, HTML page)


def serve_coref(
    docs: Union[Doc, Sequence[Doc]],
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    *,
    resolved: bool = True,
) -> None:
    """Serve the coref view of docs until interrupted (like displacy.serve).

    docs (Union[Doc, Sequence[Doc]]): the doc(s) to show.
    port (int): the port.
    host (str): the interface; "0.0.0.0" makes the page reachable from other machines.
    resolved (bool): also show each doc's resolved text.

    DOCS: docs/coref.md#browser-view
    """
    page = render_coref(docs, page=True, jupyter=False, resolved=resolved)
    _serve_forever(make_docs_app(page), host, port)


def serve_visualizer(
    nlp: Language,
    port: int = DEFAULT_PORT,
    host: str = DEFAULT_HOST,
    *,
    max_length: int = DEFAULT_MAX_LENGTH,
) -> None:
    """Serve a page where one pastes text and sees its clusters and resolved text.

    nlp (Language): the pipeline, with a coref component.
    port (int): the port.
    host (str): the interface.
    max_length (int): the longest text accepted, in characters.

    DOCS: docs/coref.md#browser-view
    """
    _serve_forever(make_visualizer_app(nlp, max_length=max_length), host, port)


def make_docs_app(page: str) -> Callable:
    """A WSGI app answering every GET with the given page."""

    def app(environ, start_response):
        return _respond(start_response, ("200 OK", page))

    return app


def make_visualizer_app(nlp: Language, *, max_length: int = DEFAULT_MAX_LENGTH) -> Callable:
    """A WSGI app: GET shows the form, POST (form field `text`) shows the result.

    nlp (Language): the pipeline.
    max_length (int): the longest text accepted, in characters.
    RETURNS (Callable): the WSGI app.
    """
    title = f"Coreference: {html.escape(' + '.join(nlp.pipe_names) or 'blank pipeline')}"

    def app(environ, start_response):
        if environ.get("REQUEST_METHOD", "GET") != "POST":
            return _respond(start_response, ("200 OK", _form_page(title, "", [])))
        text, problem = _read_text(environ, max_length)
        if problem is not None:
            status, message = problem
            return _respond(start_response, (status, _form_page(title, text or "", [message])))
        if not text.strip():
            message = "Paste some text to see its coreference clusters."
            return _respond(start_response, ("200 OK", _form_page(title, text, [message])))
        try:
            doc = nlp(text)
        except Exception as err:  # noqa: BLE001  (the page must say what failed, not die)
            message = f"The pipeline failed on this text: {type(err).__name__}: {err}"
            return _respond(start_response, ("500 Internal Server Error", _form_page(title, text, [message])))
        return _respond(start_response, ("200 OK", _form_page(title, text, [], doc)))

    return app


def _read_text(environ, max_length: int) -> Tuple[Optional[str], Optional[Tuple[str, str]]]:
    """The posted text, or (status, message) saying what was wrong with the request."""
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = -1
    # Form encoding may triple a character's bytes (%XX), and UTF-8 takes up to 4 bytes.
    limit = max_length * 12 + 1024
    if size < 0 or size > limit:
        return None, ("413 Payload Too Large", _too_long(None, max_length))
    body = environ["wsgi.input"].read(size) if size else b""
    try:
        fields = parse_qs(body.decode("ascii"), keep_blank_values=True, errors="strict")
        text = fields.get("text", [""])[0]
    except (UnicodeDecodeError, ValueError):
        return None, ("400 Bad Request", "The form data is not valid UTF-8 text.")
    if len(text) > max_length:
        return text[:max_length], ("413 Payload Too Large", _too_long(len(text), max_length))
    return text, None


def _too_long(n_chars: Optional[int], max_length: int) -> str:
    size = f"The text has {n_chars:,} characters; " if n_chars is not None else "The text is too long; "
    return (
        f"{size}this page accepts at most {max_length:,}. Split it into parts, or restart "
        f"with a larger --max-length (long documents take longer to annotate)."
    )


def _form_page(title: str, text: str, messages: List[str], doc: Optional[Doc] = None) -> str:
    notes = "".join(f'<div class="coref-message" role="alert">{html.escape(m)}</div>' for m in messages)
    form = (
        f"<h1>{title}</h1>{notes}"
        '<form method="post" action="/">'
        f'<textarea name="text" id="text" placeholder="Paste text here">{html.escape(text)}</textarea>'
        '<br><button type="submit" id="submit">Show clusters</button></form>'
    )
    result = render_doc(doc, resolved=True) if doc is not None else ""
    return PAGE.format(title=title, style=STYLE + FORM_STYLE, body=form + result, script=SCRIPT)


def _respond(start_response, response: Response) -> Iterable[bytes]:
    status, page = response
    start_response(status, [("Content-Type", "text/html; charset=utf-8")])
    return [page.encode("utf-8")]


class _QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002  (the stdlib's signature)
        pass


def make_server(app: Callable, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT):
    """Bind a WSGI server (port 0 picks a free port: read `server.server_port`).

    RAISES (OSError): E074 when the port cannot be bound.
    """
    try:
        return simple_server.make_server(host, port, app, handler_class=_QuietHandler)
    except OSError as err:
        raise OSError(
            Errors.E074.format(host=host, port=port, detail=err.strerror or err, suggestion=port + 1)
        ) from err


def _serve_forever(app: Callable, host: str, port: int) -> None:
    server = make_server(app, host, port)
    print(f"\nServing the coref view on http://{host}:{server.server_port} ...\n")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"Shutting down the server on port {server.server_port}.")
    finally:
        server.server_close()
