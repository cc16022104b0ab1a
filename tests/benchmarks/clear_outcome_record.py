#!/usr/bin/env python3
"""Empties the outcome record of a benchmark's SQLite store, keeping its customers and their history.

The load generator's runs write their prompts and calls into the store they read the customers from.
Reused from run to run, that record grew by about 1.4 million prompts a day of benchmarking (1.7 GB
beside the 0.56 GB of a million customers), and each run measured a bigger store than the last. Every
run of .ci/bench starts from the customers alone.

usage: clear_outcome_record.py STORE.db
"""
import sqlite3
import sys

TABLES = ("outcome_prompts", "outcome_feedback", "outcome_interactions")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    db = sqlite3.connect(sys.argv[1])
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    cleared = 0
    for table in TABLES:
        if table in present:
            cleared += db.execute(f"DELETE FROM {table}").rowcount
    db.commit()
    # The next run reuses the free pages; only a record that had grown over many runs is given back.
    free = db.execute("PRAGMA freelist_count").fetchone()[0]
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    if pages and free > pages // 4:
        db.execute("VACUUM")
    db.close()
    print(f"{sys.argv[1]}: outcome record cleared ({cleared} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
