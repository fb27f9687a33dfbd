"""The publication workflow: draft → in review → published, and back to draft to withdraw.

Curators create and edit records and submit them for review; editors (the model's `publish`
permission, see rkst.roles) publish and withdraw. Publishing is refused, with every reason,
when the record has no citation or links publicly to a record that is not published
(`public_links()` on each model says what it links to). Each transition is saved by
CuratedModel.save(), which records it as a Transition with its user and comment.

An editor may publish a draft directly: review is the curators' way to ask for publication,
not a gate the editor must pass through.

The package holds the rest of a record's life as curators see it: `writing`, the one write
path every writer goes through; `history`, the readable history and revert; `admin`, the
buttons, the lock and the history pages of the admin.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import CuratedModel, Link, PublicationState
from . import writing

DRAFT, REVIEW, PUBLISHED = (
    PublicationState.DRAFT,
    PublicationState.REVIEW,
    PublicationState.PUBLISHED,
)


@dataclass(frozen=True)
class Rule:
    name: str
    label: Promise  # the button
    sources: tuple
    target: str
    done: Promise  # the message after it, with %(count)s records
    wrong_state: Promise  # why a record in another state cannot take it


RULES = {
    "submit": Rule(
        "submit",
        gettext_lazy("Submit for review"),
        (DRAFT,),
        REVIEW,
        gettext_lazy("Submitted for review: %(count)s."),
        gettext_lazy("Only a draft can be submitted for review."),
    ),
    "publish": Rule(
        "publish",
        gettext_lazy("Publish"),
        (DRAFT, REVIEW),
        PUBLISHED,
        gettext_lazy("Published: %(count)s."),
        gettext_lazy("It is already published."),
    ),
    "withdraw": Rule(
        "withdraw",
        gettext_lazy("Withdraw to draft"),
        (REVIEW, PUBLISHED),
        DRAFT,
        gettext_lazy("Withdrawn to draft: %(count)s."),
        gettext_lazy("It is already a draft."),
    ),
}


class TransitionRefused(Exception):
    def __init__(self, record, reasons):
        super().__init__("; ".join(str(r) for r in reasons))
        self.record, self.reasons = record, [str(r) for r in reasons]


def quoted(record, key=None):
    """A record named in a message, in the quotation marks of the language (and its key)."""
    if key is not None:
        return _("“%(record)s” (%(key)s)") % {"record": record, "key": key}
    return _("“%(record)s”") % {"record": record}


def is_curated(model):
    return isinstance(model, type) and issubclass(model, CuratedModel)


def has_publish_permission(user, model):
    meta = model._meta
    return user.has_perm(f"{meta.app_label}.publish_{meta.model_name}")


def has_permission(user, model, name, from_state=None):
    """Whether `user` may make the transition `name` on records of `model` (in `from_state`,
    when given: withdrawing a published record is an editor's, a record in review anyone's
    who may change it)."""
    meta = model._meta
    may_change = user.has_perm(f"{meta.app_label}.change_{meta.model_name}")
    if name == "submit" or (name == "withdraw" and from_state == REVIEW):
        return may_change
    return may_change and has_publish_permission(user, model)


def available(user, record):
    """The transitions `user` may try on `record` in its present state, in button order."""
    model, state = type(record), record.state
    return [
        rule
        for rule in RULES.values()
        if state in rule.sources and has_permission(user, model, rule.name, state)
    ]


UNCITED = Link(gettext_lazy("citation"), None, "citations")


def publication_problems(record, planned=None):
    """The publication rule, the one the admin, the workflow and imports apply: (link,
    reason) pairs of what keeps `record` from being published, the link naming the fact
    concerned (UNCITED for a missing citation, None for the record itself). `planned` is
    what a writer is about to give the record (see CuratedModel.public_links())."""
    problems = []
    if record.requires_citation:
        if planned is not None and "citations" in planned:
            cited = bool(planned["citations"])
        else:
            cited = record.pk is not None and record.citations.exists()
        if not cited:
            problems.append(
                (UNCITED, _("It has no citation: add at least one source it comes from."))
            )
    else:
        for name in ("title", "kind"):
            if hasattr(record, name) and not getattr(record, name):
                field = type(record)._meta.get_field(name)
                problems.append(
                    (None, _("Its %(field)s is missing.") % {"field": field.verbose_name})
                )
    seen = set()
    for link in record.public_links(planned):
        linked = link.record
        if linked is None or not isinstance(linked, CuratedModel) or linked.is_published:
            continue
        identity = (type(linked), linked.pk)
        if identity in seen:
            continue
        seen.add(identity)
        problems.append(
            (
                link,
                _("It links to a record not yet published: %(kind)s “%(record)s” (%(link)s).")
                % {"kind": linked._meta.verbose_name, "record": linked, "link": link.label},
            )
        )
    return problems


def can_publish(record):
    """The reasons `record` cannot be published; empty when it can."""
    return [reason for _link, reason in publication_problems(record)]


def refusal(user, record, name):
    """Why `user` may not make the transition `name` on `record` now; empty when they may."""
    rule = RULES[name]
    if record.state not in rule.sources:
        return [rule.wrong_state]
    if not has_permission(user, type(record), name, record.state):
        return [_("You do not have the permission to do this.")]
    if rule.target == PUBLISHED:
        return can_publish(record)
    return []


def apply(record, name, user, comment=""):
    """Make the transition `name` on `record` for `user`, or raise TransitionRefused with the
    reasons. The record is read again under a lock, so that the rules see it as it is."""
    rule = RULES[name]
    model = type(record)
    with transaction.atomic():
        fresh = model._default_manager.select_for_update().get(pk=record.pk)
        reasons = refusal(user, fresh, name)
        if reasons:
            raise TransitionRefused(fresh, reasons)
        fresh.state = rule.target
        writing.save(fresh, user, comment)
    record.state, record.version, record.updated_at = fresh.state, fresh.version, fresh.updated_at
    record._loaded_state = fresh.state
    return fresh


def apply_many(records, name, user, comment=""):
    """apply() to each record, each in its own transaction: the records that may go do go.
    Returns (done, refused) lists, refused holding TransitionRefused errors."""
    done, refused = [], []
    for record in records:
        try:
            done.append(apply(record, name, user, comment))
        except TransitionRefused as error:
            refused.append(error)
    return done, refused


def transition_name(from_state, to_state):
    """The transition that takes a record from one state to another, if there is one."""
    for rule in RULES.values():
        if from_state in rule.sources and rule.target == to_state:
            return rule.name
    return None
