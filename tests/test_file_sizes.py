"""File sizes as Swedish readers read them (the briefing's provenance, "Indatafiler"):
"812 byte", "4,2 kB", "1,3 MB", "2,0 GB", decimal (SI) units, a decimal comma and a
non-breaking space before the unit; the exact count stays available ("259 864 byte")."""

from __future__ import annotations

import math
import re

import pytest

from research.report.formatting import (FILE_SIZE_UNITS, NBSP, format_byte_count,
                                        format_file_size)


def _spaced(text: str) -> str:
    return text.replace(" ", NBSP)


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 byte"),
    (1, "1 byte"),               # "byte" in the singular and the plural
    (812, "812 byte"),
    (999, "999 byte"),
    (1000, "1,0 kB"),            # 1 kB = 1000 byte (SI), not 1024
    (1023, "1,0 kB"),
    (1024, "1,0 kB"),
    (1536, "1,5 kB"),
    (4200, "4,2 kB"),
    (4250, "4,3 kB"),            # half up, on the exact count
    (9717, "9,7 kB"),
    (259_864, "259,9 kB"),
    (999_949, "999,9 kB"),
    (999_950, "1,0 MB"),         # rounding up to 1000,0 kB moves to the next unit
    (10**6, "1,0 MB"),
    (1_300_000, "1,3 MB"),
    (10**9, "1,0 GB"),
    (2 * 10**9, "2,0 GB"),
    (10**12, "1,0 TB"),
    (10**15, "1,0 PB"),
    (10**18, "1 000,0 PB"),      # beyond the largest unit: thousands separated
    (2**70, "1 180 591,6 PB"),
    (1536.0, "1,5 kB"),          # a whole float (pandas) counts as bytes
])
def test_file_sizes_read_the_swedish_way(size: object, text: str) -> None:
    assert format_file_size(size) == _spaced(text)


def test_the_units_are_decimal_and_separated_by_a_non_breaking_space() -> None:
    assert FILE_SIZE_UNITS == ("byte", "kB", "MB", "GB", "TB", "PB")
    for power, unit in enumerate(FILE_SIZE_UNITS[1:], 1):
        assert format_file_size(1000 ** power) == f"1,0{NBSP}{unit}"
    assert " " not in format_file_size(123_456_789) and "." not in format_file_size(1500)


@pytest.mark.parametrize(("size", "text"), [
    (0, "0 byte"), (999, "999 byte"), (1024, "1 024 byte"), (259_864, "259 864 byte"),
    (10**22 + 1, "10 000 000 000 000 000 000 001 byte"),  # exact however large
])
def test_the_exact_count_is_grouped_in_thousands(size: int, text: str) -> None:
    assert format_byte_count(size) == _spaced(text)


@pytest.mark.parametrize("missing", [None, "", "  ", math.nan])
def test_a_missing_size_is_a_dash(missing: object) -> None:
    assert format_file_size(missing) == "–" and format_byte_count(missing) == "–"


@pytest.mark.parametrize(("size", "error"), [
    (-1, ValueError), (-1536, ValueError), (1.5, ValueError), (math.inf, ValueError),
    ("1536", TypeError), (True, TypeError), ([1], TypeError),
])
def test_what_is_no_file_size_is_refused(size: object, error: type) -> None:
    with pytest.raises(error):
        format_file_size(size)
    with pytest.raises(error):
        format_byte_count(size)


# ---------------------------------------------------------------------------------------
# the provenance the briefing template gets


def test_provenance_inputs_carry_the_readable_and_the_exact_size() -> None:
    from research.render import ProvenanceInput, briefing_context

    manifest = {"run_id": "r1", "inputs": [
        {"path": "data/a.csv", "size": 259_864, "sha256": "ab" * 32},
        {"path": "data/b.csv", "size": 812, "sha256": "cd" * 32},
        {"path": "data/c.csv", "sha256": None},            # an old manifest without a size
        {"path": "data/d.csv", "size": "okänd", "sha256": "ef" * 32},
    ]}
    inputs = briefing_context(manifest, {}, {}, "mall")["provenance"]["inputs"]
    assert all(isinstance(i, ProvenanceInput) for i in inputs)
    # unpacks as before (path, bytes, digest): the manifest's values, unchanged
    path, size, digest = inputs[0]
    assert (path, size, digest) == ("data/a.csv", 259_864, "ab" * 32)
    assert [i.size_text for i in inputs] == [_spaced("259,9 kB"), _spaced("812 byte"), "–",
                                            "okänd"]
    assert [i.size_exact for i in inputs] == [_spaced("259 864 byte"), _spaced("812 byte"),
                                             "–", "okänd"]
    assert inputs[2].digest == ""


def test_the_briefing_shows_the_readable_size_and_keeps_the_exact_one() -> None:
    from nbformat.v4 import new_notebook

    from research.render import render_notebook

    manifest = {"run_id": "r1", "inputs": [
        {"path": "data/sample/lagesbild/rapporter.csv", "size": 259_864, "sha256": "ab" * 32},
        {"path": "parameters/lagesbild/default.yaml", "size": 323, "sha256": "cd" * 32}]}
    html, _ = render_notebook(new_notebook(), manifest, "lagesbild")
    files = html.split("<caption>Indatafiler</caption>")[1].split("</table>")[0]
    assert ">Storlek</th>" in files and "(byte)" not in files
    sizes = re.findall(r"<data ([^>]*)>([^<]*)</data>", files)
    assert [text for _, text in sizes] == [_spaced("259,9 kB"), _spaced("323 byte")]
    assert 'value="259864"' in sizes[0][0] and f'title="{_spaced("259 864 byte")}"' in sizes[0][0]
