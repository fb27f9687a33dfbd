"""Merging duplicate actors (rkst.workflow.merge does the moving): the names of the merged
actors become other names of the one that stays, and actors of different countries are not
merged (a party's side follows its actor's country, and two countries' bodies are two bodies);
actors of different kinds are, with a warning, since a duplicate is often one mistyped."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rkst.search import normalise
from rkst.workflow import writing
from rkst.workflow.merge import Merger

from .models import Actor, ActorAlias

# The names of a merged actor and the kind of other name each becomes.
NAMES = (
    ("name_ru", ActorAlias.Kind.OTHER, "ru"),
    ("name_en", ActorAlias.Kind.OTHER, "en"),
    ("short_name_ru", ActorAlias.Kind.SHORT, "ru"),
    ("short_name_en", ActorAlias.Kind.SHORT, "en"),
)


class ActorMerger(Merger):
    model = Actor
    labels = {
        "agreements.agreementparty.actor": gettext_lazy("Parties to agreements"),
        "agreements.projectparticipant.actor": gettext_lazy("Participants in projects"),
        "agreements.agreement.organisation": gettext_lazy("Framework of agreements"),
        "agreements.agreement.signed_place": gettext_lazy("Place of signing of agreements"),
        "agreements.project.place": gettext_lazy("Place of projects"),
        "actors.actor.parent": gettext_lazy("Sub-units and branches"),
        "actors.actor.located_in": gettext_lazy("Actors located in it"),
        "actors.actoralias.actor": gettext_lazy("Other names"),
        "actors.actorcitation.record": gettext_lazy("Citations"),
    }
    fill_fields = (
        "name_en",
        "short_name_ru",
        "short_name_en",
        "parent",
        "located_in",
        "founded_on",
        "dissolved_on",
        "iso_3166_2",
        "wikidata",
        "website",
        "description_ru",
        "description_en",
    )

    @staticmethod
    def describe(actor):
        return (
            f"{actor} ({actor.key}; {actor.get_kind_display()}, {actor.get_country_display()}; "
            f"{actor.get_state_display()})"
        )

    def check(self, plan):
        kept = self.kept
        for other in self.others:
            if other.country != kept.country:
                plan.refusals.append(
                    _(
                        "“%(other)s” belongs to %(country)s and “%(kept)s” to %(kept_country)s: "
                        "actors of different countries are not merged."
                    )
                    % {
                        "other": other,
                        "country": other.get_country_display(),
                        "kept": kept,
                        "kept_country": kept.get_country_display(),
                    }
                )
            if other.kind != kept.kind:
                plan.warnings.append(
                    _("“%(other)s” is a %(kind)s; “%(kept)s” stays a %(kept_kind)s.")
                    % {
                        "other": other,
                        "kind": other.get_kind_display(),
                        "kept": kept,
                        "kept_kind": kept.get_kind_display(),
                    }
                )

    def prepare(self, plan):
        """The merged actors' names that the one that stays does not bear become its other
        names, noting where they come from."""
        kept = self.kept
        taken = {normalise(getattr(kept, name)) for name, _kind, _language in NAMES}
        taken |= {normalise(n) for n in kept.aliases.values_list("name", flat=True)}
        taken |= {normalise(m.row.name) for m in plan.moves if isinstance(m.row, ActorAlias)}
        self.new_aliases = []
        for other in self.others:
            for name, kind, language in NAMES:
                value = getattr(other, name).strip()
                if not value or normalise(value) in taken:
                    continue
                taken.add(normalise(value))
                note = _("name of the merged actor “%(key)s”") % {"key": other.key}
                self.new_aliases.append(
                    ActorAlias(name=value, kind=kind, language=language, note=note[:300])
                )
                plan.extra.append((_("New other name"), value))

    def write_extra(self, plan, user, reason):
        for alias in self.new_aliases:
            alias.actor = self.kept
            writing.save(alias, user, reason)
