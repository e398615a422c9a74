"""A Fabric channel configuration, read from a config block (the genesis block included)."""

from __future__ import annotations

from dataclasses import dataclass

from ._protos import Message, common_pb2, configtx_pb2, parse
from .msp import Msp, load_msp


@dataclass
class ChannelConfig:
    number: int  # the config block's number
    channel_id: str
    root: Message  # the "Channel" common.ConfigGroup
    orderer_msps: dict[str, Msp]
    application_msps: dict[str, Msp]

    @property
    def msps(self) -> dict[str, Msp]:
        return {**self.orderer_msps, **self.application_msps}


def load_config(block: Message) -> ChannelConfig:
    """The configuration a parsed ``common.Block`` carries; ValueError when it is not a config block."""
    if len(block.data.data) != 1:
        raise ValueError(f"a config block holds one envelope, not {len(block.data.data)}")
    envelope = parse(common_pb2.Envelope, block.data.data[0])
    payload = parse(common_pb2.Payload, envelope.payload)
    header = parse(common_pb2.ChannelHeader, payload.header.channel_header)
    if header.type != common_pb2.CONFIG:
        raise ValueError(f"block {block.header.number} is not a config block (type {header.type})")
    config = parse(configtx_pb2.ConfigEnvelope, payload.data).config
    root = config.channel_group
    return ChannelConfig(
        number=int(block.header.number),
        channel_id=str(header.channel_id),
        root=root,
        orderer_msps=_msps(root, "Orderer"),
        application_msps=_msps(root, "Application"),
    )


def _msps(root: Message, section: str) -> dict[str, Msp]:
    found: dict[str, Msp] = {}
    if section not in root.groups:
        return found
    for name in sorted(root.groups[section].groups):
        group = root.groups[section].groups[name]
        if "MSP" not in group.values:
            continue
        msp = load_msp(bytes(group.values["MSP"].value))
        found[msp.msp_id] = msp
    return found
