"""Readers for horizon scanning: feeds, pages, folders, HTTP; good, broken, empty, hostile,
mis-encoded input."""

from __future__ import annotations

import codecs
import importlib.util
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from research.scanning import sources
from research.errors import ConfigError, InputDataError
from research.scanning.sources import Source

PROJECT = Path(__file__).resolve().parents[1]

RSS20 = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Älvstads Tidning</title><link>https://t.example.se/</link>
<item><title>Skolor i Sjöviken får stöd mot våldsbejakande extremism</title>
<link>https://t.example.se/a/1?utm_source=rss#top</link>
<description>Kommunen satsar på elevhälsan i Östra Hagen.</description>
<pubDate>Mon, 16 Nov 2026 08:00:00 +0100</pubDate><author>red@t.example.se (Redaktionen)</author>
<category>skola</category></item>
<item><title>Föräldrar oroliga i Norrbacka</title><link>https://t.example.se/a/2</link>
<description>Anhörigstöd efterfrågas.</description><pubDate>Tue, 17 Nov 2026 09:00:00 GMT</pubDate></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Kuriren</title><id>urn:k</id>
<updated>2026-11-18T10:00:00Z</updated>
<entry><title>Avhoppare berättar</title><link href="https://k.example.se/1"/><id>urn:k:1</id>
<updated>2026-11-18T10:00:00Z</updated><summary type="html">&lt;p&gt;Om &lt;b&gt;avhopp&lt;/b&gt;&lt;/p&gt;</summary>
</entry></feed>"""

RSS10 = """<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://f.example.se/"><title>Forskning</title><link>https://f.example.se/</link>
<description>x</description><items><rdf:Seq><rdf:li rdf:resource="https://f.example.se/1"/></rdf:Seq></items></channel>
<item rdf:about="https://f.example.se/1"><title>Studie om radikalisering</title>
<link>https://f.example.se/1</link><description>Unga och sociala medier.</description>
<dc:date>2026-11-10T12:00:00Z</dc:date></item></rdf:RDF>"""

RSS092 = """<?xml version="1.0"?><rss version="0.92"><channel><title>Rådet</title>
<link>https://r.example.se/</link><description>x</description>
<item><title>Föreningar i samverkan</title><link>https://r.example.se/1</link>
<description>IOP tecknat.</description></item></channel></rss>"""

HOSTILE = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Ond</title><link>https://o.example.se/</link>
<item><title><![CDATA[Rubrik <script>alert('x')</script><img src=x onerror=alert(1)>]]></title>
<link>javascript:alert(2)</link>
<description>&lt;a href="javascript:alert(3)"&gt;Läs&lt;/a&gt; &lt;script&gt;alert(4)&lt;/script&gt;text</description>
<author><![CDATA[<b onclick="alert(5)">Skribent</b>]]></author>
<category><![CDATA[<script>alert(6)</script>tagg]]></category></item></channel></rss>"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def feed(path: Path, name: str = "Flöde") -> Source:
    return Source(name, "feed", str(path), "media")


# -- configuration ------------------------------------------------------------------------


def test_load_sources_reads_entries(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "- name: A\n  kind: feed\n  location: a.xml\n  category: media\n"
                                     "- name: B\n  kind: Folder\n  location: docs\n")
    loaded = sources.load_sources(path)
    assert loaded == [Source("A", "feed", "a.xml", "media"), Source("B", "folder", "docs", "")]


@pytest.mark.parametrize(
    ("text", "column"),
    [("- name: A\n  kind: feed\n", "location"),
     ("- name: A\n  kind: tidning\n  location: x\n", "kind"),
     ("- name: A\n  kind: feed\n  location: x\n- name: A\n  kind: feed\n  location: y\n", "name")],
)
def test_load_sources_names_bad_entry(tmp_path: Path, text: str, column: str) -> None:
    path = write(tmp_path, "s.yaml", text)
    with pytest.raises(ConfigError) as error:
        sources.load_sources(path)
    assert error.value.fields["column"] == column
    assert error.value.hint


def test_load_sources_in_cp1252(tmp_path: Path) -> None:
    path = write(tmp_path, "s.yaml", "- name: Älvstads kommun\n  kind: feed\n  location: å.xml\n"
                 .encode("cp1252"))
    assert sources.load_sources(path)[0].name == "Älvstads kommun"


def test_hostile_markdown_document_is_plain_text(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "x.md").write_text("# Rubrik <script>alert(1)</script>\n"
                                         "Text <img src=x onerror=alert(2)> om skolan.",
                                         encoding="utf-8")
    row = sources.read_folder(Source("D", "folder", str(tmp_path / "d"))).items.iloc[0]
    assert row["title"] == "Rubrik" and row["text"] == "Text om skolan."


def test_load_sources_broken_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        sources.load_sources(write(tmp_path, "s.yaml", "- name: [A\n  kind"))
    with pytest.raises(ConfigError, match="not found"):
        sources.load_sources(tmp_path / "saknas.yaml")
    with pytest.raises(ConfigError, match="no list"):
        sources.load_sources(write(tmp_path, "e.yaml", ""))


# -- encodings and identity ---------------------------------------------------------------


TEXT = "Våldsbejakande extremism i Östra Hagen – åtgärder för ungdomar"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [(TEXT.encode("utf-8"), "utf-8"), (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
     (TEXT.encode("cp1252"), "cp1252"), (TEXT.encode("utf-16"), "utf-16")],
)
def test_decode_bytes(data: bytes, encoding: str) -> None:
    text, found = sources.decode_bytes(data, name="x.txt")
    assert text == TEXT
    assert found == encoding


def test_decode_bytes_other_code_pages_go_to_charset_normalizer() -> None:
    russian = "Радикализация молодёжи в социальных сетях растёт, сообщает полиция. " * 3
    text, encoding = sources.decode_bytes(russian.encode("cp1251"), name="ru.txt")
    assert text == russian and encoding == "cp1251"


def test_decode_bytes_rejects_binary() -> None:
    with pytest.raises(InputDataError, match="x.bin"):
        sources.decode_bytes(b"\x00\x01\x02\xff\xfe\x00\x9d" * 20, name="x.bin")


def test_canonical_url() -> None:
    canonical = sources.canonical_url
    assert canonical("HTTPS://Example.SE:443/a/b/?utm_source=x&b=2&a=1&fbclid=z#frag") == \
        "https://example.se/a/b?a=1&b=2"
    assert canonical("http://example.se/") == "http://example.se"
    assert canonical("javascript:alert(1)") is None
    assert canonical("ftp://example.se/x") is None
    assert sources.item_id("https://x.se/a?utm_medium=rss") == sources.item_id("https://X.se/a/")
    assert sources.item_id(None, "Samma  text") == sources.item_id(None, "samma text")
    assert sources.item_id(None, "en text") != sources.item_id(None, "en annan text")


# -- feeds ------------------------------------------------------------------------------


def test_read_rss20(tmp_path: Path) -> None:
    result = sources.read_feed(feed(write(tmp_path, "f.xml", RSS20)))
    assert [s.status for s in result.statuses] == ["ok"]
    items = result.items
    assert len(items) == 2
    first = items.iloc[0]
    assert first["title"].startswith("Skolor i Sjöviken")
    assert first["url"] == "https://t.example.se/a/1?utm_source=rss#top"
    assert first["published"].isoformat() == "2026-11-16T07:00:00+00:00"
    assert first["tags"] == "skola"
    assert first["language"] == "sv"
    assert items["item_id"].is_unique


@pytest.mark.parametrize("text", [ATOM, RSS10, RSS092])
def test_read_other_feed_formats(tmp_path: Path, text: str) -> None:
    result = sources.read_feed(feed(write(tmp_path, "f.xml", text)))
    assert result.statuses[0].status == "ok"
    assert len(result.items) == 1
    assert result.items.iloc[0]["url"].startswith("https://")
    assert "<" not in result.items.iloc[0]["summary"]


def test_hostile_feed_is_reduced_to_plain_text(tmp_path: Path) -> None:
    items = sources.read_feed(feed(write(tmp_path, "f.xml", HOSTILE))).items
    row = items.iloc[0]
    for column in ("title", "summary", "text", "author", "tags"):
        assert "<" not in row[column] and "alert" not in row[column], column
    assert row["title"] == "Rubrik"
    assert row["author"] == "Skribent"
    assert row["url"] is None  # javascript: dropped


def test_feed_in_windows_1252(tmp_path: Path) -> None:
    declared = RSS20.replace('encoding="utf-8"', 'encoding="windows-1252"').encode("cp1252")
    undeclared = RSS20.replace(' encoding="utf-8"', "").encode("cp1252")  # claims UTF-8 by default
    for data in (declared, undeclared):
        result = sources.read_feed(feed(write(tmp_path, "f.xml", data)))
        assert result.statuses[0].status == "ok"
        assert result.items.iloc[0]["title"] == "Skolor i Sjöviken får stöd mot våldsbejakande extremism"


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [("<rss><channel><title>Trasig</title>\n<<< avbruten \x01", "error", "trasig"),
     ("", "error", "tomt"),
     ("<html><body><h1>Inte ett flöde</h1></body></html>", "error", "RSS"),
     ('<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>',
      "empty", "inga poster")],
)
def test_bad_feeds_become_status_records(tmp_path: Path, content: str, status: str,
                                         words: str) -> None:
    result = sources.read_feed(feed(write(tmp_path, "f.xml", content)))
    assert result.items.empty
    assert result.statuses[0].status == status
    assert words.lower() in result.statuses[0].error.lower()


def test_partly_broken_feed_keeps_what_it_can(tmp_path: Path) -> None:
    truncated = RSS20[: RSS20.index("<item><title>Föräldrar")] + "<item><title>Förä"
    result = sources.read_feed(feed(write(tmp_path, "f.xml", truncated)))
    assert result.statuses[0].status == "ok"
    assert "delvis" in result.statuses[0].error
    assert result.items.iloc[0]["title"].startswith("Skolor i Sjöviken")


def test_missing_feed_file(tmp_path: Path) -> None:
    result = sources.read_feed(feed(tmp_path / "saknas.xml"))
    assert result.statuses[0].status == "error"
    assert "finns inte" in result.statuses[0].error


# -- pages and folders --------------------------------------------------------------------


PAGE = """<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Lägesbild</title>
<meta name="date" content="2026-11-20"><link rel="canonical" href="https://k.example.se/lagesbild">
</head><body><nav>Meny</nav><article><h1>Lägesbild</h1><p>Samverkan mellan skola och socialtjänst
har stärkts i Älvstad under hösten, enligt kommunens samordnare.</p><script>alert(1)</script>
<p>Radikalisering online är den fråga som ökar mest bland de ärenden som kommit in.</p></article>
</body></html>"""


def test_read_page_from_file(tmp_path: Path) -> None:
    result = sources.read_page(Source("Sida", "page", str(write(tmp_path, "p.html", PAGE))))
    assert result.statuses[0].status == "ok"
    row = result.items.iloc[0]
    assert "Samverkan" in row["text"] and "alert" not in row["text"]
    assert row["url"] == "https://k.example.se/lagesbild"
    assert str(row["published"].date()) == "2026-11-20"
    changed = sources.read_page(Source("Sida", "page", str(write(
        tmp_path, "q.html", PAGE.replace("hösten", "sommaren")))))
    assert changed.items.iloc[0]["item_id"] != row["item_id"]  # a changed page is new


def test_read_empty_page(tmp_path: Path) -> None:
    result = sources.read_page(Source("Sida", "page", str(write(tmp_path, "p.html", "<html></html>"))))
    assert result.statuses[0].status == "empty"


def _generator():
    spec = importlib.util.spec_from_file_location(
        "omvarld_generate", PROJECT / "data" / "sample" / "omvarld" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_read_folder_all_formats_and_corrupt_files(tmp_path: Path) -> None:
    import datetime as dt

    generator = _generator()
    created = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
    folder = tmp_path / "docs"
    (folder / "under").mkdir(parents=True)
    (folder / "rapport.pdf").write_bytes(
        generator._pdf_bytes("Rapport om avhoppare", ["Stöd till avhoppare i Älvstad."], created))
    (folder / "pm.docx").write_bytes(
        generator._docx_bytes("PM om anhörigstöd", ["Föräldrar får stöd."], created))
    (folder / "under" / "notis.html").write_text(PAGE, encoding="utf-8")
    (folder / "anteckning.txt").write_bytes("Möte i Sjöviken\nÅtgärder för unga.".encode("cp1252"))
    (folder / "spaning.md").write_bytes(codecs.BOM_UTF8 + "---\ntitle: Spaning\ndate: 2026-10-01\n"
                                        "url: https://x.example.se/s\n---\n# Rubrik\nText om demokrati."
                                        .encode("utf-8"))
    (folder / "skadad.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<\x00 trasig")
    (folder / "skadad.docx").write_bytes(b"PK\x03\x04 inte en zip")
    (folder / "bild.png").write_bytes(b"\x89PNG")
    (folder / "tom.txt").write_bytes(b"")
    result = sources.read_folder(Source("Dokument", "folder", str(folder), "kommun"))
    titles = set(result.items["title"])
    assert titles == {"Rapport om avhoppare", "PM om anhörigstöd", "Lägesbild",
                      "Möte i Sjöviken", "Spaning"}
    text = dict(zip(result.items["title"], result.items["text"]))
    assert "Stöd till avhoppare i Älvstad." in text["Rapport om avhoppare"]
    assert text["Möte i Sjöviken"] == "Åtgärder för unga."
    md = result.items.set_index("title").loc["Spaning"]
    assert md["url"] == "https://x.example.se/s" and str(md["published"].date()) == "2026-10-01"
    statuses = {s.source: s for s in result.statuses}
    assert statuses["Dokument"].status == "ok" and statuses["Dokument"].items == 5
    assert statuses["Dokument / skadad.pdf"].status == "error"
    assert "PDF" in statuses["Dokument / skadad.pdf"].error
    assert statuses["Dokument / skadad.docx"].status == "error"
    assert statuses["Dokument / tom.txt"].status == "empty"


def test_read_folder_missing_or_empty(tmp_path: Path) -> None:
    missing = sources.read_folder(Source("D", "folder", str(tmp_path / "nej")))
    assert missing.statuses[0].status == "error"
    (tmp_path / "tom").mkdir()
    empty = sources.read_folder(Source("D", "folder", str(tmp_path / "tom")))
    assert empty.statuses[0].status == "empty"


def test_read_sources_goes_on_after_a_failure(tmp_path: Path) -> None:
    good = feed(write(tmp_path, "f.xml", RSS20), "Bra")
    bad = feed(write(tmp_path, "b.xml", "<rss><chan"), "Trasig")
    items, statuses = sources.read_sources([bad, good, good])
    assert len(items) == 2
    table = sources.status_table(statuses)
    assert list(table["status"]) == ["error", "ok", "ok"]


# -- HTTP ---------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    agents: list[str] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802
        type(self).agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/slow":
            time.sleep(1.5)
        if self.path == "/fel":
            self.send_error(500, "Internal error")
            return
        if self.path.startswith("/sida"):
            body = PAGE.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.send_header("ETag", '"v1"')
            self.end_headers()
            return
        body = RSS20.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", '"v1"')
        self.send_header("Last-Modified", "Tue, 17 Nov 2026 09:00:00 GMT")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    _Handler.agents = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_http_feed_with_etag(server: str) -> None:
    source = Source("Webb", "feed", f"{server}/feed.xml")
    first = sources.read_feed(source, timeout=5)
    assert len(first.items) == 2
    status = first.statuses[0]
    assert (status.etag, status.last_modified) == ('"v1"', "Tue, 17 Nov 2026 09:00:00 GMT")
    second = sources.read_feed(source, http_state={"etag": status.etag}, timeout=5)
    assert second.items.empty
    assert second.statuses[0].status == "ok" and "304" in second.statuses[0].error
    assert all(agent == sources.USER_AGENT for agent in _Handler.agents)


def test_http_page(server: str) -> None:
    result = sources.read_page(Source("Webb", "page", f"{server}/sida?utm_source=x"), timeout=5)
    assert result.statuses[0].status == "ok"
    row = result.items.iloc[0]
    assert row["url"] == f"{server}/sida?utm_source=x" and "Samverkan" in row["text"]


def test_http_errors_are_reported(server: str) -> None:
    failed = sources.read_feed(Source("Webb", "feed", f"{server}/fel"), timeout=5)
    assert failed.statuses[0].status == "error" and "500" in failed.statuses[0].error
    slow = sources.read_feed(Source("Webb", "feed", f"{server}/slow"), timeout=0.3)
    assert slow.statuses[0].status == "error" and "tid" in slow.statuses[0].error
    closed = sources.read_page(Source("Webb", "page", "http://127.0.0.1:9/"), timeout=2)
    assert closed.statuses[0].status == "error"
