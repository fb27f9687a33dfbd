"""An agreement's parties, its relations to other agreements, and their citations."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actors.models import Actor
from rkst.models import (
    CitationBase,
    PublicQuerySet,
    citation_field,
    published_q,
)

from .agreements import Agreement


class AgreementPartyQuerySet(PublicQuerySet):
    def get_by_natural_key(self, agreement, actor):
        return self.get(agreement__key=agreement, actor__key=actor)

    def public_q(self, path=""):
        return published_q(f"{path}agreement__") & published_q(f"{path}actor__")

    def with_region(self):
        """Annotate `region_id`: the party itself when it is a region, else the region it is
        located in or part of (a city, an akimat, a university of the region). Only through
        published actors: a draft party has no region, and a draft region is no region."""
        party = published_q("actor__")

        def region(path):
            return party & models.Q(**{f"{path}kind": Actor.Kind.REGION}) & published_q(path)

        return self.annotate(
            region_id=models.Case(
                models.When(region("actor__"), then=models.F("actor_id")),
                models.When(region("actor__located_in__"), then=models.F("actor__located_in_id")),
                models.When(region("actor__parent__"), then=models.F("actor__parent_id")),
                output_field=models.BigIntegerField(),
            )
        )


class AgreementParty(models.Model):
    class Role(models.TextChoices):
        PARTY = "party", _("party")
        SIGNATORY = "signatory", _("signatory")
        IMPLEMENTING = "implementing", _("implementing body")
        DEPOSITARY = "depositary", _("depositary")

    class Side(models.TextChoices):
        RU = "RU", _("Russian side")
        KZ = "KZ", _("Kazakh side")
        THIRD = "third", _("third party")
        MULTILATERAL = "multilateral", _("multilateral")

    agreement = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="party_set"
    )
    actor = models.ForeignKey(
        Actor,
        verbose_name=_("actor"),
        # an actor that is party to an agreement cannot be deleted from under it
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.PARTY)
    side = models.CharField(_("side"), max_length=12, choices=Side.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = AgreementPartyQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["agreement", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "actor"],
                name="agreement_party_once",
                violation_error_message=_("This actor is already a party to the agreement."),
            )
        ]

    def __str__(self):
        return f"{self.actor} ({self.get_role_display()})"

    def natural_key(self):
        return (self.agreement.key, self.actor.key)

    natural_key.dependencies = ["agreements.agreement", "actors.actor"]

    def clean(self):
        if not self.actor_id or not self.side:
            return
        country = self.actor.country
        expected = {Actor.Country.RU: self.Side.RU, Actor.Country.KZ: self.Side.KZ}.get(country)
        if expected and self.side not in (expected, self.Side.MULTILATERAL):
            raise ValidationError(
                {
                    "side": _("%(actor)s belongs to %(country)s, not to this side.")
                    % {"actor": self.actor, "country": self.actor.get_country_display()}
                }
            )


class AgreementRelationQuerySet(PublicQuerySet):
    def get_by_natural_key(self, source, target, type):
        return self.get(source__key=source, target__key=target, type=type)

    def public_q(self, path=""):
        """A relation is public when both agreements are, read from either side."""
        return published_q(f"{path}source__") & published_q(f"{path}target__")


class AgreementRelation(models.Model):
    """How one agreement stands to another: it supplements, implements or amends it…"""

    class Type(models.TextChoices):
        SUPPLEMENTS = "supplements", _("supplements")
        IMPLEMENTS = "implements", _("implements")
        APPROVED_BY = "approved_by", _("approved by")
        AMENDS = "amends", _("amends")
        PROLONGS = "prolongs", _("prolongs")
        SUPERSEDES = "supersedes", _("supersedes")
        TERMINATES = "terminates", _("terminates")

    # Read from the related agreement's side: "this agreement is supplemented by X".
    INVERSE_LABELS = {
        Type.SUPPLEMENTS: _("is supplemented by"),
        Type.IMPLEMENTS: _("is implemented by"),
        Type.APPROVED_BY: _("approves"),
        Type.AMENDS: _("is amended by"),
        Type.PROLONGS: _("is prolonged by"),
        Type.SUPERSEDES: _("is superseded by"),
        Type.TERMINATES: _("is terminated by"),
    }

    source = models.ForeignKey(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="relations_from",
    )
    type = models.CharField(_("relation"), max_length=12, choices=Type.choices)
    target = models.ForeignKey(
        Agreement,
        verbose_name=_("related agreement"),
        on_delete=models.CASCADE,
        related_name="relations_to",
    )
    note = models.TextField(_("note"), blank=True)

    objects = AgreementRelationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("relation between agreements")
        verbose_name_plural = _("relations between agreements")
        ordering = ["source", "type", "target"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "type"],
                name="agreement_relation_once",
                violation_error_message=_("This relation is already recorded."),
            ),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")),
                name="agreement_relation_not_to_itself",
                violation_error_message=_("An agreement cannot be related to itself."),
            ),
        ]

    def __str__(self):
        return f"{self.source.key} {self.get_type_display()} {self.target.key}"

    def get_absolute_url(self):
        return self.source.get_absolute_url()

    def inverse_label(self):
        return self.INVERSE_LABELS[self.type]

    def natural_key(self):
        return (self.source.key, self.target.key, self.type)

    natural_key.dependencies = ["agreements.agreement"]

    @property
    def is_published(self):
        return self.source.is_published and self.target.is_published


class AgreementCitation(CitationBase):
    record = models.ForeignKey(
        Agreement, verbose_name=_("agreement"), on_delete=models.CASCADE, related_name="citations"
    )
    field = citation_field(Agreement.CITABLE_FIELDS)

    class Meta(CitationBase.Meta):
        verbose_name = _("agreement citation")
        verbose_name_plural = _("agreement citations")


class AgreementRelationCitation(CitationBase):
    record = models.ForeignKey(
        AgreementRelation,
        verbose_name=_("relation"),
        on_delete=models.CASCADE,
        related_name="citations",
    )
    field = citation_field([("type", _("relation"))])

    public_select_related = ("record__source", "record__target")

    class Meta(CitationBase.Meta):
        verbose_name = _("relation citation")
        verbose_name_plural = _("relation citations")
