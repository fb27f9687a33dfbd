"""Readers of the catalogue, for the load test (benchmarks/load_test.sh).

Each simulated reader opens the agreement list, filters it, searches and reads agreements,
pausing between pages as a person does. Detail pages are taken from the list pages the reader
has seen, so every request is one a real reader could make.
"""

import os
import random
import re
import time

from locust import HttpUser, between, events, task

DETAIL = re.compile(r'href="(/agreements/gen-agreement-\d+/)"')
FILTERS = [
    "kind=protocol",
    "kind=memorandum&level=interregional",
    "level=interstate&year_from=2000&year_to=2010",
    "status=in_force&sort=signed",
    "topic=gen-topic-3",
    "year_from=1995&year_to=1999&page=3",
]
SEARCHES = ["Омск", "Omsk", "энергетике", "соглашению космосе", "Байконур", "Алматы"]


# Every response slower than this is written to $SLOW_LOG (seconds since the start, page, ms), so
# that the report can tell when the slow ones came.
SLOW_MS = 300
STARTED = time.time()


@events.request.add_listener
def note_slow(name, response_time, **kwargs):
    if response_time > SLOW_MS and os.environ.get("SLOW_LOG"):
        with open(os.environ["SLOW_LOG"], "a") as log:
            log.write(f"{time.time() - STARTED:.1f}\t{name}\t{response_time:.0f}\n")


class Reader(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        self.seen = []

    def remember(self, response):
        if response.status_code == 200:
            self.seen = (DETAIL.findall(response.text) + self.seen)[:40]

    @task(3)
    def browse(self):
        page = random.randint(1, 200)
        self.remember(self.client.get(f"/agreements/?page={page}", name="/agreements/?page=N"))

    @task(3)
    def filter(self):
        query = random.choice(FILTERS)
        self.remember(self.client.get(f"/agreements/?{query}", name="/agreements/?filters"))

    @task(2)
    def search(self):
        query = random.choice(SEARCHES)
        self.remember(self.client.get(f"/agreements/?q={query}", name="/agreements/?q=…"))

    @task(4)
    def read(self):
        if not self.seen:
            return self.browse()
        self.client.get(random.choice(self.seen), name="/agreements/<key>/")
