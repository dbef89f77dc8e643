"""Feeds over HTTP as real servers behave (loopback only), hostile XML and documents over
the reader limits, and source lists in OPML."""

from __future__ import annotations

import gzip
import io
import shutil
import ssl
import subprocess
import threading
import time
import zipfile
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from research.errors import ConfigError
from research.scanning import sources
from research.scanning.sourcelist import (Source, load_sources, read_opml, sources_to_opml,
                                          write_opml)

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Polisen</title><link>https://polisen.example.se/</link>
<item><title>Skottlossning i Västerby</title><link>https://polisen.example.se/1</link>
<description>Polisen utreder en skottlossning.</description>
<pubDate>Tue, 17 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>"""
BODY = RSS.encode("utf-8")
MODIFIED = "Tue, 17 Nov 2026 09:00:00 GMT"
ETAG = 'W/"polisen-feed-41"'


class Handler(BaseHTTPRequestHandler):
    requests: list[dict[str, str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (BrokenPipeError, ConnectionResetError):  # the client gave up on purpose
            pass

    def answer(self, body: bytes, *, status: int = 200, kind: str = "application/rss+xml",
               headers: dict[str, str] | None = None, length: bool = True) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        type(self).requests.append({"path": self.path, **dict(self.headers.items())})
        route = getattr(self, "route_" + self.path.strip("/").split("?")[0].replace("-", "_"),
                        None)
        if route is None:
            self.send_error(404)
            return
        route()

    def route_feed(self) -> None:
        if self.headers.get("If-Modified-Since") == MODIFIED:
            self.send_response(304)
            self.end_headers()
            return
        self.answer(BODY, headers={"Last-Modified": MODIFIED})

    def route_tagged(self) -> None:  # an ETag and no Last-Modified (many CMS feeds)
        if self.headers.get("If-None-Match") == ETAG:
            self.send_response(304)
            self.send_header("ETag", ETAG)
            self.end_headers()
            return
        self.answer(BODY, headers={"ETag": ETAG})

    def route_moved(self) -> None:
        self.send_response(301)
        self.send_header("Location", "/moved-again")
        self.end_headers()

    def route_moved_again(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/feed")
        self.end_headers()

    def route_loop(self) -> None:
        self.send_response(302)
        self.send_header("Location", "/loop")
        self.end_headers()

    def route_to_file(self) -> None:
        self.send_response(302)
        self.send_header("Location", "file:///etc/passwd")
        self.end_headers()

    def route_gzip(self) -> None:
        self.answer(gzip.compress(BODY), headers={"Content-Encoding": "gzip"})

    def route_deflate(self) -> None:
        self.answer(zlib.compress(BODY), headers={"Content-Encoding": "deflate"})

    def route_raw_deflate(self) -> None:
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        self.answer(packer.compress(BODY) + packer.flush(),
                    headers={"Content-Encoding": "deflate"})

    def route_bomb(self) -> None:  # 64 MB of zeros in a few kilobytes
        self.answer(gzip.compress(b"\0" * (64 * 1024 * 1024), 9),
                    headers={"Content-Encoding": "gzip"})

    def route_huge(self) -> None:
        self.answer(b"x" * 4096)  # with Content-Length

    def route_huge_chunked(self) -> None:
        self.answer(b"<rss>" + b"x" * 4096, length=False)

    def route_hang(self) -> None:
        time.sleep(1.0)
        self.answer(BODY)

    def route_trickle(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.end_headers()
        for byte in BODY[:40]:
            self.wfile.write(bytes([byte]))
            self.wfile.flush()
            time.sleep(0.1)

    def route_image(self) -> None:
        self.answer(b"\x89PNG\r\n\x1a\n" + b"\0" * 100, kind="image/png")

    def route_html(self) -> None:
        self.answer(b"<!DOCTYPE html><html><head><title>Logga in</title></head>"
                    b"<body><p>Logga in</p></body></html>", kind="text/html; charset=utf-8")

    def route_xxe(self) -> None:
        self.answer(b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    b"<rss version=\"2.0\"><channel><title>&x;</title></channel></rss>")


def serve(handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None):
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return httpd, thread


@pytest.fixture
def server():
    Handler.requests = []
    httpd, thread = serve(Handler)
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def feed(url: str, **kwargs: object) -> sources.ReadResult:
    return sources.read_feed(Source("Polisen", "feed", url), timeout=kwargs.pop("timeout", 5),
                             **kwargs)


def test_redirects_are_followed_to_http_only(server: str) -> None:
    moved = feed(f"{server}/moved")
    assert moved.statuses[0].status == "ok" and len(moved.items) == 1
    assert [r["path"] for r in Handler.requests] == ["/moved", "/moved-again", "/feed"]
    loop = feed(f"{server}/loop").statuses[0]
    assert loop.status == "error" and "omdirigeringar" in loop.error
    assert len([r for r in Handler.requests if r["path"] == "/loop"]) <= 6
    to_file = feed(f"{server}/to-file").statuses[0]
    assert to_file.status == "error" and "http(s)" in to_file.error


@pytest.mark.parametrize("path", ["gzip", "deflate", "raw-deflate"])
def test_compressed_answers(server: str, path: str) -> None:
    result = feed(f"{server}/{path}")
    assert result.statuses[0].status == "ok"
    assert result.items.loc[0, "title"] == "Skottlossning i Västerby"
    assert "gzip" in Handler.requests[-1]["Accept-Encoding"]


def test_compression_bomb_is_cut_at_the_size_limit(server: str) -> None:
    with pytest.raises(sources.SourceReadError, match="för stort"):
        sources.fetch(f"{server}/bomb", max_bytes=1024 * 1024)


def test_last_modified_gives_304(server: str) -> None:
    first = feed(f"{server}/feed")
    assert first.statuses[0].last_modified == MODIFIED
    second = feed(f"{server}/feed", http_state={"last_modified": MODIFIED})
    assert second.items.empty and "304" in second.statuses[0].error
    assert second.statuses[0].status == "ok"


def test_etag_gives_304_and_is_kept(server: str) -> None:
    first = feed(f"{server}/tagged")
    assert first.statuses[0].etag == ETAG and len(first.items) == 1
    Handler.requests.clear()
    second = feed(f"{server}/tagged", http_state={"etag": ETAG})
    assert Handler.requests[-1].get("If-None-Match") == ETAG
    assert second.items.empty and "304" in second.statuses[0].error
    assert second.statuses[0].status == "ok" and second.statuses[0].etag == ETAG
    stale = feed(f"{server}/tagged", http_state={"etag": 'W/"old"'})
    assert len(stale.items) == 1  # a changed feed is read again


def test_size_limit_with_and_without_content_length(server: str) -> None:
    with pytest.raises(sources.SourceReadError, match="för stort") as known:
        sources.fetch(f"{server}/huge", max_bytes=1000)
    assert "Content-Length" in known.value.cause
    with pytest.raises(sources.SourceReadError, match="för stort"):
        sources.fetch(f"{server}/huge-chunked", max_bytes=1000)


def test_timeouts_per_read_and_for_the_whole_answer(server: str) -> None:
    hang = feed(f"{server}/hang", timeout=0.3).statuses[0]
    assert hang.status == "error" and "i tid" in hang.error
    with pytest.raises(sources.SourceReadError, match="för långsamt"):
        sources.fetch(f"{server}/trickle", timeout=2, max_seconds=0.5)


def test_wrong_content_type_and_html_instead_of_feed(server: str) -> None:
    image = feed(f"{server}/image").statuses[0]
    assert image.status == "error" and "innehållstyp" in image.error
    html = feed(f"{server}/html").statuses[0]
    assert html.status == "error" and "webbsida" in html.error


def test_xxe_feed_is_refused_over_http(server: str) -> None:
    status = feed(f"{server}/xxe").statuses[0]
    assert status.status == "error" and "entiteter" in status.error
    assert "root:" not in status.error + status.cause


def test_tls_error_is_reported(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
                   check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    httpd, thread = serve(Handler, context)
    try:
        status = feed(f"https://127.0.0.1:{httpd.server_address[1]}/feed").statuses[0]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
    assert status.status == "error" and "TLS" in status.error
    assert "certifikat" in status.error


# -- hostile XML and documents over the limits -------------------------------------------------


@pytest.mark.parametrize("xml", [
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    b"<rss><channel><title>&lol2;</title></channel></rss>",
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
])
def test_entity_declarations_are_refused(tmp_path: Path, xml: bytes) -> None:
    path = tmp_path / "feed.xml"
    path.write_bytes(xml)
    status = sources.read_feed(Source("F", "feed", str(path))).statuses[0]
    assert status.status == "error" and "entiteter" in status.error


def test_nesting_just_under_and_over_the_limit(tmp_path: Path) -> None:
    limit = sources.LIMITS.max_xml_depth

    def nested(depth: int) -> bytes:  # rss + channel + item + (depth - 3) elements
        inner = "<x>" * (depth - 3) + "</x>" * (depth - 3)
        return (f'<rss version="2.0"><channel><title>T</title><item><title>Djup</title>'
                f"<description>d</description>{inner}</item></channel></rss>").encode()

    sources.check_xml(nested(limit))
    with pytest.raises(sources.SourceReadError, match="nästlat"):
        sources.check_xml(nested(limit + 1))


def test_pdf_pages_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(72, 72)
    buffer = io.BytesIO()
    writer.write(buffer)
    path = tmp_path / "rapport.pdf"
    path.write_bytes(buffer.getvalue())
    monkeypatch.setattr(sources, "LIMITS", sources.ReaderLimits(max_pdf_pages=3))
    sources.read_document(path)  # at the limit: read
    monkeypatch.setattr(sources, "LIMITS", sources.ReaderLimits(max_pdf_pages=2))
    with pytest.raises(sources.SourceReadError, match="sidor") as error:
        sources.read_document(path)
    assert "max_pdf_pages" in error.value.cause


def docx_with(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    return buffer.getvalue()


def test_docx_zip_bomb_and_entities_are_refused(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "LIMITS", sources.ReaderLimits(max_docx_unpacked=1_000_000))
    sources._check_docx_package(docx_with({"word/document.xml": b"<w/>" + b" " * 999_000}))
    bomb = tmp_path / "bomb.docx"
    bomb.write_bytes(docx_with({"word/document.xml": b"<w/>" + b" " * 2_000_000}))
    with pytest.raises(sources.SourceReadError, match="packas upp"):
        sources.read_document(bomb)
    hostile = tmp_path / "xxe.docx"
    hostile.write_bytes(docx_with({"word/document.xml": b'<!DOCTYPE d [<!ENTITY x SYSTEM '
                                   b'"file:///etc/passwd">]><d>&x;</d>'}))
    with pytest.raises(sources.SourceReadError, match="entiteter"):
        sources.read_document(hostile)


def test_local_file_over_the_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "stor.txt"
    path.write_text("Rubrik\n" + "text " * 300, encoding="utf-8")
    monkeypatch.setattr(sources, "LIMITS", sources.ReaderLimits(max_bytes=path.stat().st_size))
    assert sources.read_document(path)["title"] == "Rubrik"
    monkeypatch.setattr(sources, "LIMITS",
                        sources.ReaderLimits(max_bytes=path.stat().st_size - 1))
    with pytest.raises(sources.SourceReadError, match="för stor"):
        sources.read_document(path)


# -- OPML -------------------------------------------------------------------------------------


def test_opml_round_trip_and_folders_left_out(tmp_path: Path) -> None:
    listed = [Source("Polisen – nyheter", "feed", "https://polisen.example.se/rss?a=1&b=2",
                     "polis"),
              Source("Säpo <terrorhot>", "page", "https://sapo.example.se/hot", "polis"),
              Source("Brå", "feed", "https://bra.example.se/rss", ""),
              Source("Rapporter", "folder", "data/rapporter", "kommun")]
    path = tmp_path / "kallor.opml"
    assert write_opml(listed, path) == ["Rapporter"]
    assert set(read_opml(path)) == set(listed[:3])
    assert set(load_sources(path)) == set(listed[:3])  # the sources parameter takes OPML too


def test_opml_from_a_feed_reader_with_nested_categories(tmp_path: Path) -> None:
    path = tmp_path / "export.opml"
    path.write_text("""<?xml version="1.0"?><opml version="1.0"><head/><body>
      <outline text="Myndigheter"><outline text="Brå" type="rss" xmlUrl="https://bra.example.se/rss"/>
        <outline text="Brå" type="rss" xmlUrl="https://bra.example.se/rss2"/></outline>
      <outline title="Ekot" xmlUrl="https://sr.example.se/rss" category="media"/></body></opml>""",
                    encoding="utf-8")
    found = read_opml(path)
    assert [(s.name, s.category) for s in found] == [("Brå", "Myndigheter"),
                                                      ("Brå (2)", "Myndigheter"),
                                                      ("Ekot", "media")]


@pytest.mark.parametrize(("text", "message"), [
    ('<?xml version="1.0"?><!DOCTYPE o [<!ENTITY x "y">]><opml><body/></opml>', "refused"),
    ("<opml><body>", "not valid XML"),
    ("<html><body/></html>", "not an OPML"),
    ('<opml version="2.0"><body><outline text="Tom"/></body></opml>', "no feeds"),
])
def test_bad_opml(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.opml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_opml(path)


def test_shipped_national_sources_list_and_its_opml() -> None:
    root = Path(__file__).resolve().parents[1] / "parameters" / "omvarldsbevakning"
    listed = load_sources(root / "kallor" / "nationella_kallor.yaml")
    assert len(listed) >= 15 and all(sources.is_url(s.location) for s in listed)
    names = " ".join(s.name for s in listed)
    for wanted in ("Regeringen", "Polisen", "Säkerhetspolisen", "CVE", "Brå", "MUCF"):
        assert wanted in names
    assert set(read_opml(root / "kallor" / "nationella_kallor.opml")) == \
        {s for s in listed if s.kind != "folder"}
    text, skipped = sources_to_opml(listed)
    assert skipped == [] and text.count("<outline type=") == len(listed)


def test_extracted_text_is_cut_at_the_limit(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "LIMITS", sources.ReaderLimits(max_text_chars=50))
    folder = tmp_path / "dok"
    folder.mkdir()
    (folder / "lang.txt").write_text("Rubrik\n" + "ord " * 100, encoding="utf-8")
    result = sources.read_folder(Source("Dok", "folder", str(folder)))
    assert len(result.items.loc[0, "text"]) == 50


def test_deeply_nested_html_is_inert(tmp_path: Path) -> None:
    """lxml (under trafilatura) stops at 256 levels: 200,000 nested divs give an empty page
    status quickly, not a crash or a hang."""
    path = tmp_path / "djup.html"
    path.write_text("<html><body>" + "<div>" * 200_000 + "Text" + "</div>" * 200_000
                    + "</body></html>", encoding="utf-8")
    status = sources.read_page(Source("Sida", "page", str(path))).statuses[0]
    assert status.status in ("empty", "error")
