"""Generate the synthetic activity log of the fictional 'Kunskapshus Älvstad' (seeded)."""

import csv
import datetime as dt
import random
from pathlib import Path

ACTIVITIES = {"utbildning": 0.3, "konsultation": 0.3, "samverkansmote": 0.2,
              "anhorigstod": 0.1, "dialogmote": 0.1}
GROUPS = ["Skolpersonal", "Socialtjänsten", "Fritidsledare", "Föreningar", "Anhöriga",
          "Förtroendevalda", "Polisen", "Trossamfund"]


def main() -> None:
    rng = random.Random(2026)
    rows = []
    day = dt.date(2025, 11, 1)
    while day <= dt.date(2026, 10, 31):
        if day.weekday() < 5 and rng.random() < (0.25 if day.month in (7,) else 0.55):
            activity = rng.choices(list(ACTIVITIES), weights=list(ACTIVITIES.values()))[0]
            size = {"utbildning": (8, 40), "konsultation": (1, 4), "samverkansmote": (4, 15),
                    "anhorigstod": (1, 3), "dialogmote": (10, 60)}[activity]
            rows.append([day.isoformat(), activity, rng.choice(GROUPS), rng.randint(*size)])
        day += dt.timedelta(days=1)
    target = Path(__file__).with_name("aktiviteter.csv")
    with target.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["datum", "aktivitet", "malgrupp", "deltagare"])
        writer.writerows(rows)


if __name__ == "__main__":
    main()
