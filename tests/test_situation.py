"""Tests for research.situation (lokal lägesbild) and the lagesbild notebook."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from research import privacy, situation
from research.errors import ConfigError, InputDataError, ParameterError, PrivacyError, SchemaError
from research.report import get_alt

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT / "data" / "sample" / "lagesbild" / "rapporter.csv"
COLUMNS = ["datum", "forvaltning", "stadsdel", "kategori", "oroniva", "aldersgrupp", "kon",
           "sammanfattning"]


def valid_personnummer(yymmdd: str = "050607", serial: str = "321") -> str:
    for digit in "0123456789":
        if privacy.luhn_valid(yymmdd + serial + digit):
            return f"{yymmdd}-{serial}{digit}"
    raise AssertionError


def rows(spec: list[tuple[str, str, str, int]], unit: str = "Socialtjänsten") -> list[dict]:
    """(date, area, theme, n) → n report rows."""
    out = []
    for date, area, theme, n in spec:
        out += [{"datum": date, "forvaltning": unit, "stadsdel": area, "kategori": theme,
                 "oroniva": "medel", "aldersgrupp": "16-17", "kon": "pojke/man",
                 "sammanfattning": "Oro i skolan"}] * n
    return out


def write(tmp_path: Path, records: list[dict], name: str = "rapporter.csv", **csv) -> Path:
    path = tmp_path / name
    pd.DataFrame(records, columns=COLUMNS).to_csv(path, index=False, **csv)
    return path


@pytest.fixture
def schema() -> situation.Schema:
    return situation.load_schema()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """Two quarters a year apart plus the one before: big and small cells."""
    spec = [
        ("2026-08-10", "Centrum", "kriminella_natverk", 21),
        ("2026-08-11", "Centrum", "skola_och_unga", 9),
        ("2026-08-12", "Östra Hagen", "kriminella_natverk", 12),
        ("2026-08-12", "Östra Hagen", "skola_och_unga", 3),
        ("2026-09-01", "Sjöviken", "kriminella_natverk", 8),
        ("2026-09-02", "Sjöviken", "skola_och_unga", 7),
        ("2026-05-10", "Centrum", "kriminella_natverk", 10),
        ("2026-05-11", "Centrum", "skola_och_unga", 9),
        ("2026-05-12", "Östra Hagen", "kriminella_natverk", 12),
        ("2026-05-12", "Östra Hagen", "skola_och_unga", 6),
        ("2026-06-01", "Sjöviken", "kriminella_natverk", 2),
        ("2026-06-02", "Sjöviken", "skola_och_unga", 7),
        ("2025-08-10", "Centrum", "kriminella_natverk", 6),
        ("2025-08-10", "Sjöviken", "skola_och_unga", 6),
    ]
    return write(tmp_path, rows(spec))


# ---------------------------------------------------------------------------------------
# schema


def test_default_schema_uses_shared_theme_keys(schema):
    assert schema.column("kategori").allowed == tuple(situation.THEME_LABELS)
    assert schema.column("kategori").display("avhoppare") == "Avhoppare och avhopparverksamhet"
    assert "Anna" in schema.names


@pytest.mark.parametrize(
    "text,match",
    [("columns: [", "not valid YAML"), ("name: x\n", "no `columns`"),
     ("columns:\n  - name: datum\n    type: date\n", "lacks the column"),
     ("columns:\n  - name: datum\n    type: weird\n", "unknown type")],
)
def test_bad_schema_files(tmp_path, text, match):
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        situation.load_schema(path)


def test_schema_with_unknown_theme_key_is_refused(tmp_path):
    text = situation.default_schema_path().read_text(encoding="utf-8").replace(
        "      - islamism\n", "      - islamism\n      - gang_violence\n", 1)
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="gang_violence"):
        situation.load_schema(path)


def test_missing_schema_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        situation.load_schema(tmp_path / "nope.yaml")


# ---------------------------------------------------------------------------------------
# reading


def test_reads_cp1252_semicolon_csv(tmp_path, schema):
    path = write(tmp_path, rows([("2026-09-01", "Östra Hagen", "anhorigstod", 2)]),
                 sep=";", encoding="cp1252")
    reports = situation.load_reports(path, schema)
    assert set(reports.data["stadsdel"]) == {"Östra Hagen"}
    assert reports.data["forvaltning"].iloc[0] == "Socialtjänsten"


def test_reads_bom_csv_and_xlsx(tmp_path, schema):
    records = rows([("2026-09-01", "Sjöviken", "avhoppare", 3)])
    bom = write(tmp_path, records, encoding="utf-8-sig")
    assert len(situation.load_reports(bom, schema).data) == 3
    xlsx = tmp_path / "rapporter.xlsx"
    frame = pd.DataFrame(records, columns=COLUMNS)
    frame["datum"] = pd.to_datetime(frame["datum"])  # Excel dates become datetimes
    frame.to_excel(xlsx, index=False)
    data = situation.load_reports(xlsx, schema).data
    assert len(data) == 3 and data["datum"].iloc[0] == pd.Timestamp("2026-09-01")


@pytest.mark.parametrize(
    "content,match",
    [(b"", "empty"), (b"datum,forvaltning\n", "no data rows"),
     (b"a,b\n1,2,3,4\n5\n", "has 4 fields")],
)
def test_broken_files(tmp_path, content, match):
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(InputDataError, match=match):
        situation.read_table(path)


def test_broken_xlsx_and_wrong_type_and_missing(tmp_path):
    bad = tmp_path / "x.xlsx"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(InputDataError, match="x.xlsx"):
        situation.read_table(bad)
    other = tmp_path / "x.pdf"
    other.write_bytes(b"%PDF")
    with pytest.raises(InputDataError, match="unsupported"):
        situation.read_table(other)
    with pytest.raises(InputDataError, match="not found"):
        situation.read_table(tmp_path / "missing.csv")


# ---------------------------------------------------------------------------------------
# refusing identifiable input


@pytest.mark.parametrize(
    "column,value,kind",
    [("sammanfattning", f"Gäller {valid_personnummer()}", "personnummer"),
     ("sammanfattning", "Gäller 20050667-3219", None),  # samordningsnummer, see below
     ("sammanfattning", "Anna Svensson hörde av sig", "namn"),
     ("sammanfattning", "Ring 070-123 45 67", "telefonnummer"),
     ("sammanfattning", "Skriv till elev@skolan.se", "e-post"),
     ("stadsdel", "Storgatan 12B", "gatuadress")],
)
def test_identifiable_files_are_refused_without_echo(tmp_path, schema, column, value, kind):
    if kind is None:  # build a samordningsnummer with a valid check digit
        core = "0506673" + "21"
        value = "Gäller " + next(f"{core[:6]}-{core[6:]}{d}" for d in "0123456789"
                                 if privacy.luhn_valid(core + d))
        kind = "samordningsnummer"
    records = rows([("2026-09-01", "Centrum", "anhorigstod", 12)])
    records[7] = {**records[7], column: value}
    path = write(tmp_path, records)
    with pytest.raises(PrivacyError) as caught:
        situation.load_reports(path, schema)
    message = str(caught.value)
    assert f"'{column}'" in message and "row(s) 8" in message and kind in message
    secret = value.split(" ", 1)[-1] if column == "sammanfattning" else value
    assert secret not in message
    assert caught.value.fields["file"] == "rapporter.csv"


def test_privacy_is_checked_before_the_schema(tmp_path, schema):
    records = rows([("not a date", "Nowhere", "unknown", 2)])
    records[0] = {**records[0], "sammanfattning": valid_personnummer()}
    with pytest.raises(PrivacyError):
        situation.load_reports(write(tmp_path, records), schema)


def test_identifier_column_header_is_refused(tmp_path, schema):
    path = tmp_path / "r.csv"
    frame = pd.DataFrame(rows([("2026-09-01", "Centrum", "anhorigstod", 2)]), columns=COLUMNS)
    frame.assign(telefon="").to_csv(path, index=False)
    with pytest.raises(PrivacyError, match="'telefon' is named"):
        situation.load_reports(path, schema)


# ---------------------------------------------------------------------------------------
# validation


def test_missing_columns_are_named(tmp_path, schema):
    path = tmp_path / "r.csv"
    pd.DataFrame({"datum": ["2026-01-01"], "kategori": ["avhoppare"]}).to_csv(path, index=False)
    with pytest.raises(SchemaError) as caught:
        situation.load_reports(path, schema)
    assert "'forvaltning'" in str(caught.value) and "'stadsdel'" in str(caught.value)


def test_unknown_values_bad_dates_and_empty_cells(tmp_path, schema):
    records = rows([("2026-09-01", "Centrum", "anhorigstod", 6)])
    records[1] = {**records[1], "kategori": "gängvåld"}
    records[2] = {**records[2], "datum": "1/9/2026"}
    records[3] = {**records[3], "datum": "2009-01-01"}
    records[4] = {**records[4], "stadsdel": ""}
    records[5] = {**records[5], "stadsdel": "<script>alert(1)</script>"}
    with pytest.raises(SchemaError) as caught:
        situation.load_reports(write(tmp_path, records), schema, as_of="2026-09-30")
    message = str(caught.value)
    assert "column 'kategori' has unknown value 'gängvåld' in row(s) 2" in message
    assert "not YYYY-MM-DD in row(s) 3" in message
    assert "before 2015-01-01 in row(s) 4" in message
    assert "column 'stadsdel' is empty in row(s) 5" in message
    assert "row(s) 6" in message
    assert caught.value.hint


def test_future_dates_are_errors(tmp_path, schema):
    path = write(tmp_path, rows([("2026-09-01", "Centrum", "anhorigstod", 2)]))
    frame = situation.read_table(path)
    with pytest.raises(SchemaError, match="in the future"):
        situation.validate_reports(frame, schema, today=dt.date(2026, 1, 1))


def test_aliases_and_labels_are_normalised(tmp_path, schema):
    path = tmp_path / "r.csv"
    pd.DataFrame({
        "Datum": ["2026-09-01", "2026-09-02"],
        "Förvaltning": ["socialtjänsten", "Polisen (samverkan)"],
        "Område": ["östra hagen", "Centrum"], "Tema": ["Kriminella nätverk", "islamism"],
        "Orosnivå": ["3", "1.0"], "Kön": ["Kvinna", ""],
    }).to_csv(path, index=False)
    data = situation.load_reports(path, schema).data
    assert list(data["kategori"]) == ["kriminella_natverk", "islamism"]
    assert list(data["oroniva"]) == ["hög", "låg"]
    assert list(data["stadsdel"]) == ["Östra Hagen", "Centrum"]
    assert list(data["kon"]) == ["flicka/kvinna", "uppgift saknas"]
    assert list(data["aldersgrupp"]) == ["uppgift saknas"] * 2


def test_reports_after_as_of_are_excluded_or_refused(tmp_path, schema):
    path = write(tmp_path, rows([("2026-09-01", "Centrum", "anhorigstod", 2),
                                 ("2026-10-02", "Centrum", "anhorigstod", 3)]))
    reports = situation.load_reports(path, schema, as_of="2026-09-30")
    assert len(reports.data) == 2 and reports.excluded_after_as_of == 3
    strict = situation.Schema(**{**schema.__dict__, "after_as_of": "error"})
    with pytest.raises(SchemaError, match="after as_of"):
        situation.load_reports(path, strict, as_of="2026-09-30")
    with pytest.raises(ParameterError, match="as_of"):
        situation.load_reports(path, schema, as_of="30/9")


# ---------------------------------------------------------------------------------------
# the picture


def test_counts_changes_and_suppression(small, schema):
    picture = situation.build_picture(situation.load_reports(small, schema), "quarter", 5)
    assert str(picture.current) == "2026Q3" and str(picture.previous) == "2026Q2"
    assert str(picture.last_year) == "2025Q3"
    current = picture.area_tables[picture.current]
    assert current.table.loc["Centrum", "kriminella_natverk"] == 21
    assert current.primary.loc["Östra Hagen", "skola_och_unga"]
    # the secondary suppression keeps the 3 from being recovered from the margins
    assert current.suppressed.loc["Östra Hagen"].sum() >= 2
    assert current.suppressed["skola_och_unga"].sum() >= 2
    assert picture.total(picture.current) == 60
    sentences = situation.largest_changes(picture)
    assert sentences[0] == ("Rapporter om kriminella nätverk i Centrum ökade från 10 till 21 "
                            "jämfört med föregående kvartal.")
    assert not any("Sjöviken" in s and "kriminella" in s for s in sentences)  # 2 is hidden


def test_no_sentence_or_chart_uses_a_suppressed_cell(small, schema):
    picture = situation.build_picture(situation.load_reports(small, schema), "quarter", 5)
    hidden_values = {"3", "2"}
    for sentence in situation.largest_changes(picture, 10):
        assert not any(f" {v} " in sentence or f"till {v}." in sentence for v in hidden_values)
    counts = situation.counts_table(picture)
    assert (counts.loc[counts["Dold"], "Antal"] == "..").all()
    assert not (counts.loc[~counts["Dold"], "Antal"] == "..").any()
    fig = situation.heatmap_figure(picture)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts.count("..") == int(picture.area_tables[picture.current].suppressed.loc[
        picture.areas, picture.themes].to_numpy().sum())
    assert "3" not in texts
    assert "Flest rapporter: kriminella nätverk i Centrum (21)" in get_alt(fig)


def test_display_tables_have_one_row_per_theme(small, schema):
    picture = situation.build_picture(situation.load_reports(small, schema), "quarter", 5)
    table = situation.current_table(picture)
    assert list(table.columns) == ["Tema", "Centrum", "Östra Hagen", "Sjöviken", "Totalt"]
    assert list(table["Tema"]) == ["Kriminella nätverk", "Skola och unga", "Totalt"]
    assert table.set_index("Tema").loc["Skola och unga", "Östra Hagen"] == ".."
    units = situation.unit_table(picture)
    assert list(units.columns) == ["Tema", "Socialtjänsten", "Totalt"]


def test_linked_tables_share_suppressed_totals(schema):
    path = SAMPLE
    picture = situation.build_picture(situation.load_reports(path, schema), "quarter", 5)
    areas = picture.area_tables[picture.current].suppressed.loc["Totalt"]
    units = picture.unit_table.suppressed.loc["Totalt"]
    assert (areas == units).all()
    assert picture.area_tables[picture.current].table.loc["Totalt", "Totalt"] == \
        picture.unit_table.table.loc["Totalt", "Totalt"]


def test_changes_table_marks_and_computes(small, schema):
    picture = situation.build_picture(situation.load_reports(small, schema), "quarter", 5)
    table = situation.changes_table(picture)
    total = table.iloc[0]
    assert (total["Stadsdel"], total["Tema"]) == ("Totalt", "Totalt")
    assert total["2026 K3"] == 60 and total["2026 K2"] == 46 and total["2025 K3"] == 12
    assert total["Förändring mot 2026 K2"] == 14
    assert total["Förändring mot 2026 K2 (%)"] == pytest.approx(30.4)
    hidden = table[(table["Stadsdel"] == "Östra Hagen") & (table["Tema"] == "Skola och unga")]
    assert hidden["2026 K3"].item() == ".."
    assert hidden["Förändring mot 2026 K2"].item() is None
    assert situation.table_decimals(table) == {
        "Förändring mot 2026 K2 (%)": 1, "Förändring mot 2025 K3 (%)": 1}


def test_months_and_parameter_checks(small, schema):
    reports = situation.load_reports(small, schema)
    picture = situation.build_picture(reports, "month", 5)
    assert picture.current_label == "september 2026" and str(picture.last_year) == "2025-09"
    with pytest.raises(ParameterError, match="period"):
        situation.build_picture(reports, "week", 5)
    with pytest.raises(ParameterError, match="min_cell"):
        situation.build_picture(reports, "quarter", 1)


def test_age_gender_only_when_every_cell_passes(tmp_path, schema):
    records = rows([("2026-09-01", "Centrum", "anhorigstod", 10)])
    records += [{**r, "kon": "flicka/kvinna"} for r in records[:6]]
    reports = situation.load_reports(write(tmp_path, records), schema)
    table, reason = situation.age_gender_table(situation.build_picture(reports))
    assert reason == "" and table.loc[table["Åldersgrupp"] == "Totalt", "Totalt"].item() == 16
    records.append({**records[0], "kon": "annat"})
    reports = situation.load_reports(write(tmp_path, records), schema)
    table, reason = situation.age_gender_table(situation.build_picture(reports))
    assert table is None and "färre än 5" in reason


def test_summary_and_notes_are_swedish_and_short(schema):
    picture = situation.build_picture(situation.load_reports(SAMPLE, schema), "quarter", 5)
    findings, figures = situation.summary(picture)
    assert 3 <= len(findings) <= 5
    assert findings[0].startswith("Under kvartal 3 2026 kom")
    assert "Rapporter kvartal 3 2026" in figures
    notes = situation.data_notes(picture)
    assert any("Röjandekontroll" in n for n in notes)
    fig = situation.trend_figure(picture)
    assert get_alt(fig).startswith("Linjediagram")


def test_sample_shows_the_latest_quarter_change(schema):
    picture = situation.build_picture(situation.load_reports(SAMPLE, schema), "quarter", 5)
    assert situation.largest_changes(picture, 1)[0].startswith(
        "Rapporter om kriminella nätverk i Östra Hagen ökade")
    assert picture.area_tables[picture.current].primary.to_numpy().any()  # small cells exist


def test_scanning_comparison(tmp_path, small, schema):
    picture = situation.build_picture(situation.load_reports(small, schema), "quarter", 5)
    themes = tmp_path / "themes.csv"
    themes.write_text("theme,current,baseline,change,significance\n"
                      "kriminella_natverk,30,20,10,0.01\nskola_och_unga,10,12,-2,0.5\n"
                      "islamism,60,50,10,0.2\n", encoding="utf-8")
    table = situation.compare_with_scanning(picture, situation.read_scanning_themes(themes))
    row = table.set_index("Tema").loc["Kriminella nätverk"]
    assert row["Lokala rapporter"] == 41 and row["Andel lokalt (%)"] == pytest.approx(68.3)
    assert row["Andel i omvärldsbevakningen (%)"] == pytest.approx(30.0)
    assert table.set_index("Tema").loc["Våldsbejakande islamism", "Lokala rapporter"] == 0
    fig = situation.comparison_figure(table, picture)
    assert "omvärldsbevakningen" in get_alt(fig)
    bad = tmp_path / "bad.csv"
    bad.write_text("namn,antal\nx,1\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="theme"):
        situation.read_scanning_themes(bad)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("theme,current\novrigt,4\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="shared theme keys"):
        situation.read_scanning_themes(unknown)


def test_scanning_display_table_is_accepted(tmp_path):
    themes = tmp_path / "themes.csv"
    themes.write_text("Tema,Perioden,Baslinjen\nKriminella nätverk,12,30\n"
                      "Övrigt (inget tema),40,50\n", encoding="utf-8")
    frame = situation.read_scanning_themes(themes)
    assert list(frame["theme"]) == ["kriminella_natverk"]
    assert list(frame["current"]) == [12]


# ---------------------------------------------------------------------------------------
# end to end


@pytest.mark.e2e
def test_notebook_runs_on_sample(shipped_runs, isolated_reports):
    result = shipped_runs.run("lagesbild/default")  # shared, read-only
    assert result.status == "succeeded", result.error
    tables = result.run_dir / "tables"
    for name in ("counts", "changes", "by_unit"):
        assert (tables / f"{name}.csv").is_file()
    counts = pd.read_csv(tables / "counts.csv", dtype=str)
    assert set(counts.loc[counts["Dold"] == "True", "Antal"]) == {".."}
    html = (result.run_dir / "briefing.html").read_text(encoding="utf-8")
    assert "Sammanfattning" in html and "No description has been provided" not in html
    disclosure = json.loads((result.run_dir / "disclosure.json").read_text(encoding="utf-8"))
    assert disclosure["verdict"] == "pass" and disclosure["findings"] == []
    assert set(disclosure["files"]) == {p.name for p in tables.glob("*.csv")}
    assert disclosure["cells_hidden"]["primary"] > 0 and disclosure["parameters"]["protection"] == 4
    assert result.manifest["disclosure"]["verdict"] == "pass"
    assert "Granskning av röjanderisk: alla" in html
    from research.privacy.checking import unaudited_tables
    from research.publish import publish

    assert unaudited_tables(result.run_dir) == []
    shipped_runs.copy_run("lagesbild/default", isolated_reports)  # this test's own folder
    published = publish()  # the audited run goes on the site; a tampered copy would not
    assert result.run_dir.name in published.published_runs, published.messages


@pytest.mark.e2e
def test_notebook_refuses_identifiable_file(tmp_path):
    from research.runs import run_notebook

    number = valid_personnummer("811218", "987")
    records = rows([("2026-09-01", "Centrum", "anhorigstod", 12)])
    records[4] = {**records[4], "sammanfattning": f"Pojke med {number} och Storgatan 12B"}
    path = write(tmp_path, records)
    result = run_notebook(PROJECT / "notebooks" / "lagesbild.ipynb",
                          overrides={"reports": str(path), "compare_scanning": ""},
                          publish=False)
    assert result.status == "failed"
    assert "PrivacyError" in (result.error or "") or "identifiable" in (result.error or "")
    assert not (result.run_dir / "tables").exists()
    for file in result.run_dir.rglob("*"):
        if file.is_file():
            text = file.read_text(encoding="utf-8", errors="replace")
            assert number not in text and number.replace("-", "") not in text, file.name
            assert "Storgatan 12B" not in text, file.name


def test_hostile_free_text_never_reaches_the_picture(tmp_path, schema):
    records = rows([("2026-09-01", "Centrum", "anhorigstod", 8)])
    records[0] = {**records[0], "sammanfattning": "<script>alert('x')</script>"}
    reports = situation.load_reports(write(tmp_path, records), schema)
    assert "sammanfattning" not in reports.data.columns
    picture = situation.build_picture(reports)
    shown = [situation.current_table(picture), situation.unit_table(picture),
             situation.changes_table(picture), situation.counts_table(picture)]
    text = " ".join(frame.to_csv() for frame in shown) + " ".join(situation.data_notes(picture))
    assert "<script>" not in text and "alert" not in text


def test_sample_tables_leave_every_suppressed_cell_undetermined(schema):
    """For each published table of the sample's current quarter, no suppressed cell is
    fixed by the published cells and margins (null space of the margin equations)."""
    from scipy.linalg import null_space

    picture = situation.build_picture(situation.load_reports(SAMPLE, schema), "quarter", 5)
    for result in (picture.area_tables[picture.current], picture.unit_table,
                   picture.area_tables[picture.previous]):
        hidden = result.suppressed.to_numpy()
        n_rows, n_cols = hidden.shape
        unknown = {cell: k for k, cell in enumerate(zip(*np.nonzero(hidden)))}
        equations = []
        for r in range(n_rows):  # inner cells of a row minus its total
            row = np.zeros(len(unknown))
            for c in range(n_cols):
                if (r, c) in unknown:
                    row[unknown[(r, c)]] = -1 if c == n_cols - 1 else 1
            equations.append(row)
        for c in range(n_cols):
            row = np.zeros(len(unknown))
            for r in range(n_rows):
                if (r, c) in unknown:
                    row[unknown[(r, c)]] = -1 if r == n_rows - 1 else 1
            equations.append(row)
        free = null_space(np.array(equations))
        assert (np.abs(free).max(axis=1) > 1e-9).all()
