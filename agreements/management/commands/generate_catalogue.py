"""Fill the database with a large synthetic catalogue, for benchmarks and load tests."""

import datetime
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from actors.models import Actor
from agreements.maps import geography
from agreements.models import Agreement, AgreementCitation, AgreementParty, Topic
from rkst.models import CatalogueVersion, PublicationState, Source
from rkst.workflow.writing import prepare_write, stamp

WORDS = (
    "научно-техническом сотрудничестве космической деятельности энергетике образовании "
    "нефти газе атомной промышленности транспорте сельском хозяйстве экологии медицине "
    "информационных технологиях нанотехнологиях геологии металлургии"
).split()
PLACES = ["Москва", "Астана", "Алматы", "Омск", "Новосибирск", "Усть-Каменогорск", "Оренбург"]


class Command(BaseCommand):
    help = "Add synthetic published agreements, actors and citations (keys start with “gen-”)."

    def add_arguments(self, parser):
        parser.add_argument("--agreements", type=int, default=50_000)
        parser.add_argument("--actors", type=int, default=5_000)
        parser.add_argument("--citations", type=int, default=200_000)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, agreements, actors, citations, seed, **options):
        if Agreement.objects.filter(key__startswith="gen-").exists():
            raise CommandError("The database already holds a generated catalogue.")
        rng = random.Random(seed)
        batch = 5_000
        with transaction.atomic():
            sources = self._create(
                Source,
                [
                    Source(
                        key=f"gen-source-{n}",
                        kind=Source.Kind.ARTICLE,
                        title=f"Статья {n}",
                        authors=f"Автор{n} А. А.",
                        year=1995 + n % 30,
                        state=PublicationState.PUBLISHED,
                    )
                    for n in range(max(1, citations // 200))
                ],
                batch,
            )
            topics = list(Topic.objects.all()) or self._create(
                Topic,
                [
                    Topic(code=f"gen-topic-{n}", name_ru=f"Направление {n}", name_en=f"Topic {n}")
                    for n in range(12)
                ],
                batch,
            )
            kinds = [
                Actor.Kind.UNIVERSITY,
                Actor.Kind.RESEARCH_CENTRE,
                Actor.Kind.COMPANY,
                Actor.Kind.MINISTRY,
                Actor.Kind.REGION,
                Actor.Kind.CITY,
            ]
            countries = [Actor.Country.RU, Actor.Country.KZ]
            actor_rows = self._create(
                Actor,
                [
                    Actor(
                        key=f"gen-actor-{n}",
                        name_ru=f"{rng.choice(['Институт', 'Университет', 'Компания', 'Область'])}"
                        f" {rng.choice(PLACES)} {n}",
                        name_en=f"Organisation {n}",
                        kind=rng.choice(kinds),
                        country=rng.choice(countries),
                        state=PublicationState.PUBLISHED,
                    )
                    for n in range(actors)
                ],
                batch,
            )
            # The first regions of each country carry the codes of the map's regions.
            for country in countries:
                codes = [p.iso for p in geography()["places"] if p.country == country]
                regions = [a for a in actor_rows if a.kind == "region" and a.country == country]
                for actor, code in zip(regions, codes, strict=False):
                    actor.iso_3166_2 = code
                Actor.objects.bulk_update(regions[: len(codes)], ["iso_3166_2"])
            agreement_rows = []
            for n in range(agreements):
                signed = datetime.date(1992, 1, 1) + datetime.timedelta(days=rng.randrange(12_000))
                subject = " ".join(rng.sample(WORDS, 3))
                agreement_rows.append(
                    Agreement(
                        key=f"gen-agreement-{n}",
                        title_ru=f"Соглашение о {subject} № {n}",
                        title_en=f"Agreement No. {n}",
                        kind=rng.choice(Agreement.Kind.values),
                        level=rng.choice(Agreement.Level.values),
                        status=rng.choice(Agreement.Status.values[:2] + ["unknown"]),
                        signed_on=signed,
                        signed_on_precision=rng.choice(["day", "day", "month", "year"]),
                        summary_ru=f"Стороны договорились о {subject}.",
                        state=PublicationState.PUBLISHED,
                    )
                )
            agreement_rows = self._create(Agreement, agreement_rows, batch)
            parties, links = [], []
            for agreement in agreement_rows:
                for order, actor in enumerate(rng.sample(actor_rows, rng.randint(2, 3))):
                    side = actor.country if actor.country in ("RU", "KZ") else "third"
                    parties.append(
                        AgreementParty(agreement=agreement, actor=actor, side=side, order=order)
                    )
                links.append(
                    Agreement.topics.through(agreement=agreement, topic=rng.choice(topics))
                )
            AgreementParty.objects.bulk_create(parties, batch_size=batch)
            Agreement.topics.through.objects.bulk_create(links, batch_size=batch)
            used = set()
            rows = []
            while len(rows) < citations:
                agreement, source = rng.choice(agreement_rows), rng.choice(sources)
                field = rng.choice(["", "signed_on", "parties", "title_ru"])
                locator = f"с. {rng.randint(1, 400)}"
                if (agreement.pk, source.pk, field, locator) in used:
                    continue
                used.add((agreement.pk, source.pk, field, locator))
                rows.append(
                    AgreementCitation(
                        record=agreement,
                        source=source,
                        field=field,
                        locator=locator,
                        quote=f"цитата {len(rows)}",
                    )
                )
            AgreementCitation.objects.bulk_create(rows, batch_size=batch)
            CatalogueVersion.bump()  # bulk_create sends no signals
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {agreements} agreements, {actors} actors, {citations} citations."
            )
        )

    def _create(self, model, rows, batch):
        # bulk_create sends no signals: the write path's bulk functions do what a save does.
        for row in rows:
            if hasattr(row, "version"):
                prepare_write(row)
            else:
                stamp(row)
        return model.objects.bulk_create(rows, batch_size=batch)
