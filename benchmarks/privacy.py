"""Benchmark research.privacy side by side with established implementations.

1. Identifier scan of free text: our one-pass scan (personnummer/samordningsnummer, phone
   numbers, e-mail, street addresses) against the peers for the two identifiers they cover:
   the `personnummer` package (validation of regex candidates) plus Google's libphonenumber
   (`phonenumbers.PhoneNumberMatcher`, region SE). Reports time per 1,000 texts, the ratio,
   and whether both flag the same texts.
2. Cell suppression (primary + secondary, with totals): time per table for typical sizes.
   There is no Python peer for secondary suppression (ACRO checks thresholds only;
   τ-ARGUS and R's sdcTable are not available here), so only our figures are printed,
   together with primary-only suppression as a floor.

Run:  .venv/bin/python benchmarks/privacy.py
Needs the peers installed:  .venv/bin/pip install personnummer phonenumbers
"""

from __future__ import annotations

import random
import re
import time

import numpy as np
import pandas as pd

from research import privacy


def luhn_digit(nine: str) -> str:
    return next(d for d in "0123456789" if privacy.luhn_valid(nine + d))


def corpus(n: int, seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    plain = [
        "Oro för rekrytering till kriminellt nätverk kring skolan i Östra Hagen.",
        "Elever uttrycker otrygghet på väg hem, 12 anmälningar under vecka 47.",
        "Föräldramöte den 2026-03-15 med 40 deltagare i Sjöviken.",
        "Samverkansmöte med polisen och socialtjänsten om lägesbilden.",
    ]
    texts = []
    for _ in range(n):
        text = rng.choice(plain)
        roll = rng.random()
        if roll < 0.1:
            core = f"{rng.randint(50, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" \
                   f"{rng.randint(0, 999):03d}"
            text += f" Gäller {core[:6]}-{core[6:]}{luhn_digit(core)}."
        elif roll < 0.2:
            text += f" Ring 070-{rng.randint(100, 999)} {rng.randint(10, 99)} " \
                    f"{rng.randint(10, 99)}."
        texts.append(text)
    return texts


CANDIDATE = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+]?\d{4}(?!\d)")


def peer_scan(texts: list[str]) -> list[bool]:
    from personnummer import personnummer
    import phonenumbers

    flagged = []
    for text in texts:
        hit = any(personnummer.valid(m.group(0)) for m in CANDIDATE.finditer(text))
        if not hit:
            hit = any(True for _ in phonenumbers.PhoneNumberMatcher(text, "SE"))
        flagged.append(hit)
    return flagged


def our_scan(texts: list[str]) -> list[bool]:
    return [bool(privacy.find_identifier_spans(text)) for text in texts]


def timed(function, *args, repeat: int = 3) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    texts = corpus(5000)
    ours_time, ours = timed(our_scan, texts)
    peer_time, theirs = timed(peer_scan, texts)
    agree = sum(a == b for a, b in zip(ours, theirs))
    print("identifier scan, 5,000 texts (personnummer + phone; ours also e-mail, addresses)")
    print(f"  ours:  {ours_time * 1000 / 5:.1f} ms per 1,000 texts, {sum(ours)} flagged")
    print(f"  peers: {peer_time * 1000 / 5:.1f} ms per 1,000 texts, {sum(theirs)} flagged")
    print(f"  ratio peers/ours: {peer_time / ours_time:.2f}  agreement: {agree}/{len(texts)}")

    rng = np.random.default_rng(7)
    print("cell suppression with totals, Poisson(15) cells, 10 % small (best of 3)")
    for shape in ((8, 12), (30, 12), (100, 20)):
        values = rng.poisson(15, shape)
        small = rng.random(shape) < 0.1  # one cell in ten is small (1–4)
        values[small] = rng.integers(1, 5, small.sum())
        table = pd.DataFrame(values)
        full, result = timed(privacy.suppress_counts, table, 5)
        primary_only, _ = timed(lambda t: privacy.suppress_counts(t, 5, totals=False), table)
        print(f"  {shape[0]}×{shape[1]}: {full * 1000:.1f} ms "
              f"(primary only {primary_only * 1000:.2f} ms); "
              f"{int(result.primary.to_numpy().sum())} primary, "
              f"{int(result.secondary.to_numpy().sum())} secondary cells")

    from research import situation
    from research.paths import project_root

    sample = project_root() / "data" / "sample" / "lagesbild" / "rapporter.csv"
    if sample.is_file():
        schema = situation.load_schema()
        raw = situation.read_table(sample)
        read_time, _ = timed(situation.read_table, sample)
        scan_time, _ = timed(privacy.find_identifiers_in_frame, raw, schema.names)
        load_time, reports = timed(situation.load_reports, sample, schema)
        build_time, _ = timed(situation.build_picture, reports, "quarter", 5)
        print(f"lägesbild sample ({len(raw):,} reports, 8 quarters)")
        print(f"  read {read_time * 1000:.0f} ms, identifier scan {scan_time * 1000:.0f} ms, "
              f"read+scan+validate {load_time * 1000:.0f} ms, "
              f"picture with suppression {build_time * 1000:.0f} ms")


if __name__ == "__main__":
    main()
