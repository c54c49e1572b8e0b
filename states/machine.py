"""One shared `transitions.Machine` built from the table. Dossiers are dispatched through it, never attached
for good and never given a machine of their own."""

from __future__ import annotations

from transitions import Machine, MachineError

from states.enums import State, Trigger
from states.guards import GuardContext, evaluate
from states.table import TABLE, Rule


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


def _guard_condition(rule: Rule):
    def check(event) -> bool:
        ctx: GuardContext = event.kwargs["ctx"]
        reasons = evaluate(rule.guards, ctx)
        if reasons:
            raise GuardFailed(rule.trigger, reasons)
        return True

    return check


machine = Machine(
    model=None,
    states=[s.value for s in State],
    transitions=[
        {"trigger": rule.trigger.value, "source": [s.value for s in rule.sources], "dest": rule.dest.value,
         "conditions": [_guard_condition(rule)]}
        for rule in TABLE
    ],
    auto_transitions=False,
    send_event=True,
    model_attribute="state",
    initial=None,
)


def fire(dossier, trigger: Trigger, ctx: GuardContext) -> None:
    """Move the dossier by `trigger`; raises TransitionNotPossible or GuardFailed and then changes nothing."""
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
