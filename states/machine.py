"""One shared `transitions.Machine` built from the table. Dossiers are dispatched through it, never attached
for good and never given a machine of their own.

The machine owns the step: it refuses a trigger that cannot start from the dossier's state, parses the row's
inputs (`prepare`), checks the row's guards (`conditions`) and runs the row's effect (`before`, so the effect
sees the dossier still in its source state) — nothing in the service branches on the trigger.
"""

from __future__ import annotations

from transitions import Machine, MachineError

from states.enums import State, Trigger
from states.guards import GuardContext, evaluate, local_date
from states.inputs import InputRejected
from states.labels import N_
from states.table import TABLE, Rule
from states.text import Text

__all__ = ["GuardFailed", "InputRejected", "TransitionNotPossible", "fire", "machine", "mermaid"]


class GuardFailed(Exception):
    """A guard refused the trigger; `reasons` says which rule and the numbers."""

    def __init__(self, trigger: Trigger, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.trigger = trigger
        self.reasons = reasons


class TransitionNotPossible(Exception):
    def __init__(self, trigger: Trigger, state: str):
        super().__init__(f"cannot {trigger} from {state}")
        self.trigger = trigger
        self.state = state


def _parse_inputs(rule: Rule):
    def prepare(event) -> None:
        step: GuardContext = event.kwargs["ctx"]
        fields = {}
        if rule.comment_required and not step.comment:
            fields["comment"] = Text(N_("bắt buộc ghi rõ lý do"))
        try:
            step.inputs = rule.inputs.parse(step.data, local_date(step.now))  # "not in the future": Vietnam's today
        except InputRejected as exc:
            fields.update(exc.fields)
        if fields:
            raise InputRejected(fields)

    return prepare


def _guard_condition(rule: Rule):
    def check(event) -> bool:
        ctx: GuardContext = event.kwargs["ctx"]
        reasons = evaluate(rule.guards, ctx)
        if reasons:
            raise GuardFailed(rule.trigger, reasons)
        return True

    return check


def _run_effect(rule: Rule):
    def before(event) -> None:
        step: GuardContext = event.kwargs["ctx"]
        step.effects = rule.effect(step) if rule.effect else {}

    return before


machine = Machine(
    model=None,
    states=[s.value for s in State],
    transitions=[
        {"trigger": rule.trigger.value, "source": [s.value for s in rule.sources], "dest": rule.dest.value,
         "prepare": [_parse_inputs(rule)], "conditions": [_guard_condition(rule)], "before": [_run_effect(rule)]}
        for rule in TABLE
    ],
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
    initial=None,
)


def fire(dossier, trigger: Trigger, ctx: GuardContext) -> None:
    """Move the dossier by `trigger`; raises TransitionNotPossible, InputRejected or GuardFailed and then has
    changed nothing."""
    try:
        machine.events[trigger.value].trigger(dossier, ctx=ctx)
    except MachineError as exc:
        raise TransitionNotPossible(trigger, str(dossier.state)) from exc


def mermaid() -> str:
    """The workflow as a Mermaid state diagram, drawn from the table."""
    lines = ["stateDiagram-v2", f"    [*] --> {State.DRAFT.value}"]
    for rule in TABLE:
        for source in rule.sources:
            lines.append(f"    {source.value} --> {rule.dest.value}: {rule.trigger.value}")
    return "\n".join(lines)
