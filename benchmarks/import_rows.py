"""Write an agreements sheet (CSV) of N new rows for the load test: each row names three
parties of the generated catalogue, a topic and a citation.

    .venv/bin/python benchmarks/import_rows.py PATH --rows 10000 --prefix load-1
"""

import argparse
import csv
import random

COLUMNS = [
    "key", "title_ru", "title_en", "kind", "level", "signed_on", "parties", "topics", "status",
    "summary_ru", "source", "locator", "quote",
]  # fmt: skip


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--prefix", default="load")
    parser.add_argument("--actors", type=int, default=5_000, help="generated actors to pick from")
    args = parser.parse_args()
    rng = random.Random(args.prefix)
    with open(args.path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for n in range(args.rows):
            parties = rng.sample(range(args.actors), 3)
            writer.writerow(
                [
                    f"{args.prefix}-{n}",
                    f"Протокол о сотрудничестве № {args.prefix}-{n}",
                    f"Cooperation protocol No. {args.prefix}-{n}",
                    "протокол",
                    "interregional",
                    f"{rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}.{rng.randint(1995, 2024)}",
                    "; ".join(f"gen-actor-{p}" for p in parties),
                    f"gen-topic-{rng.randrange(12)}",
                    "in_force",
                    "Импортировано для нагрузочного теста.",
                    "gen-source-0",
                    f"с. {rng.randint(1, 300)}",
                    f"протокол № {n}",
                ]
            )


if __name__ == "__main__":
    main()
