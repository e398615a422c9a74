"""Evaluation of Fabric policies against a set of verified signers.

Two kinds occur: a signature policy (``common.SignaturePolicyEnvelope``: NOutOf / SignedBy over
MSP principals), used for key-level policies and each organisation's own policies, and an
implicit-meta policy (ANY / ALL / MAJORITY of a named sub-policy of each child group), used by
the channel configuration, e.g. ``/Channel/Application/Endorsement``.

A signer satisfies at most one SignedBy leaf of an NOutOf gate, and the leaves are tried in
order, each taking the first unused signer that fits: this is how Fabric evaluates, so a policy
holds here exactly when it held for the committing peers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._protos import Message, msp_principal_pb2, parse, policies_pb2
from .config import ChannelConfig
from .msp import ROLE_NAMES, Identity

_MAX_DEPTH = 16


@dataclass(frozen=True)
class Outcome:
    satisfied: bool
    detail: str


def distinct_valid(identities: Sequence[Identity]) -> list[Identity]:
    """Each valid identity once: signing twice does not count twice."""
    seen: set[bytes] = set()
    found: list[Identity] = []
    for identity in identities:
        if identity.valid and identity.raw not in seen:
            seen.add(identity.raw)
            found.append(identity)
    return found


def parse_envelope(data: bytes) -> Message:
    envelope = parse(policies_pb2.SignaturePolicyEnvelope, data)
    if not envelope.HasField("rule"):
        raise ValueError("the signature policy has no rule")
    return envelope


def satisfies_envelope(envelope: Message, identities: Sequence[Identity]) -> bool:
    signers = distinct_valid(identities)
    used = [False] * len(signers)
    return _rule(envelope.rule, list(envelope.identities), signers, used, 0)


def _rule(
    rule: Message, principals: list[Message], signers: list[Identity], used: list[bool], depth: int
) -> bool:
    if depth > _MAX_DEPTH:
        raise ValueError("the signature policy is nested too deeply")
    kind = rule.WhichOneof("Type")
    if kind == "signed_by":
        index = int(rule.signed_by)
        if not 0 <= index < len(principals):
            raise ValueError(f"SignedBy({index}) names no principal")
        for position, signer in enumerate(signers):
            if not used[position] and _fits(signer, principals[index]):
                used[position] = True
                return True
        return False
    if kind == "n_out_of":
        met = 0
        for sub in rule.n_out_of.rules:
            trial = list(used)
            if _rule(sub, principals, signers, trial, depth + 1):
                met += 1
                used[:] = trial
        return met >= int(rule.n_out_of.n)
    raise ValueError("a signature policy rule is empty")


def _fits(signer: Identity, principal: Message) -> bool:
    kind = principal.principal_classification
    if kind == msp_principal_pb2.MSPPrincipal.ROLE:
        role = parse(msp_principal_pb2.MSPRole, principal.principal)
        return signer.msp_id == role.msp_identifier and int(role.role) in signer.roles
    if kind == msp_principal_pb2.MSPPrincipal.IDENTITY:
        return bytes(principal.principal) == signer.raw
    # Organizational-unit, anonymity and combined principals never appear in citydir's policies.
    return False


def describe_envelope(envelope: Message) -> str:
    """E.g. "1 of (HealthMSP peer)", "2 of (CivilAffairsMSP peer, HealthMSP peer)"."""
    return _describe_rule(envelope.rule, [_describe_principal(p) for p in envelope.identities], 0)


def _describe_rule(rule: Message, names: list[str], depth: int) -> str:
    if depth > _MAX_DEPTH:
        return "..."
    kind = rule.WhichOneof("Type")
    if kind == "signed_by":
        index = int(rule.signed_by)
        return names[index] if 0 <= index < len(names) else f"<no principal {index}>"
    if kind == "n_out_of":
        parts = [_describe_rule(sub, names, depth + 1) for sub in rule.n_out_of.rules]
        return f"{rule.n_out_of.n} of ({', '.join(parts)})"
    return "<empty rule>"


def _describe_principal(principal: Message) -> str:
    if principal.principal_classification == msp_principal_pb2.MSPPrincipal.ROLE:
        role = parse(msp_principal_pb2.MSPRole, principal.principal)
        return f"{role.msp_identifier} {ROLE_NAMES.get(int(role.role), f'role {role.role}')}"
    return f"<principal of kind {principal.principal_classification}>"


def msps_named(envelope: Message) -> set[str]:
    """The MSP ids whose role principals the policy names."""
    named: set[str] = set()
    for principal in envelope.identities:
        if principal.principal_classification == msp_principal_pb2.MSPPrincipal.ROLE:
            named.add(str(parse(msp_principal_pb2.MSPRole, principal.principal).msp_identifier))
    return named


def evaluate_path(config: ChannelConfig, path: str, identities: Sequence[Identity]) -> Outcome:
    """Evaluate the channel-config policy at ``path`` (e.g. ``/Channel/Application/Endorsement``)."""
    parts = [part for part in path.split("/") if part]
    if len(parts) < 2 or parts[0] != "Channel":
        raise ValueError(f"{path!r} is not a channel policy path")
    group = config.root
    for name in parts[1:-1]:
        if name not in group.groups:
            raise ValueError(f"the channel config has no group {name!r} (policy {path})")
        group = group.groups[name]
    return _group_policy(group, parts[-1], identities, path, 0)


def _group_policy(
    group: Message, name: str, identities: Sequence[Identity], path: str, depth: int
) -> Outcome:
    if depth > _MAX_DEPTH:
        raise ValueError("the channel policies are nested too deeply")
    if name not in group.policies:
        return Outcome(False, f"{path}: no such policy")
    policy = group.policies[name].policy
    if policy.type == policies_pb2.Policy.SIGNATURE:
        envelope = parse_envelope(bytes(policy.value))
        return Outcome(satisfies_envelope(envelope, identities), describe_envelope(envelope))
    if policy.type == policies_pb2.Policy.IMPLICIT_META:
        return _implicit_meta(
            group, parse(policies_pb2.ImplicitMetaPolicy, policy.value), identities, path, depth
        )
    raise ValueError(f"{path}: policy type {policy.type} is not supported")


def _implicit_meta(
    group: Message, meta: Message, identities: Sequence[Identity], path: str, depth: int
) -> Outcome:
    children = sorted(group.groups)
    met = [
        child
        for child in children
        if _group_policy(
            group.groups[child], meta.sub_policy, identities, f"{path}/{child}", depth + 1
        ).satisfied
    ]
    rule = policies_pb2.ImplicitMetaPolicy.Rule.Name(meta.rule)
    needed = {"ANY": 1, "ALL": len(children), "MAJORITY": len(children) // 2 + 1}[rule]
    by = ", ".join(met) if met else "none"
    detail = f"{rule} {meta.sub_policy} of {len(children)} orgs needs {needed}; satisfied by {by}"
    return Outcome(len(met) >= needed, detail)
