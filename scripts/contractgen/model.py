"""The npcbridge.v1 contract as the generators see it: messages, fields and enums with
their .proto comments, read from protoc's descriptors (``--include_source_info``).

Every generator walks this one model, so C#, C++ and Unreal cannot disagree about a
field's type, optionality or documentation.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf import descriptor_pb2

PACKAGE = "npcbridge.v1"
#: Comment line marking a message that Python mirrors with a hand-written dataclass
#: (tests/test_contract_mirrors.py compares their fields).
MIRROR = "Python mirror:"
FD = descriptor_pb2.FieldDescriptorProto

#: Scalar kinds by descriptor type; "enum" and "message" name another definition.
SCALARS = {
    FD.TYPE_STRING: "string", FD.TYPE_BOOL: "bool", FD.TYPE_INT32: "int32", FD.TYPE_SINT32: "int32",
    FD.TYPE_SFIXED32: "int32", FD.TYPE_UINT32: "uint32", FD.TYPE_FIXED32: "uint32", FD.TYPE_INT64: "int64",
    FD.TYPE_SINT64: "int64", FD.TYPE_SFIXED64: "int64", FD.TYPE_UINT64: "uint64", FD.TYPE_FIXED64: "uint64",
    FD.TYPE_FLOAT: "float", FD.TYPE_DOUBLE: "double", FD.TYPE_BYTES: "bytes",
}


@dataclass
class Type:
    """A field's value type: a scalar kind ("string", "int64"...), or an enum or message name."""

    kind: str  # a scalar kind, "enum" or "message"
    name: str = ""  # the enum or message name (without the package)

    @property
    def is_scalar(self) -> bool:
        return self.kind not in ("enum", "message")


@dataclass
class Field:
    name: str  # as in the .proto (snake_case)
    number: int
    type: Type
    doc: str = ""
    repeated: bool = False
    optional: bool = False  # proto3 `optional`: presence is tracked
    oneof: str = ""  # the oneof it belongs to
    map_key: Type | None = None  # set for map<K, V>: then `type` is V

    @property
    def is_map(self) -> bool:
        return self.map_key is not None


@dataclass
class Message:
    name: str
    doc: str = ""
    fields: list[Field] = field(default_factory=list)
    file: str = ""
    python: str = ""  # "npcbridge.dialogue.types.Character": a hand-written Python dataclass of this shape

    @property
    def oneofs(self) -> list[str]:
        return list(dict.fromkeys(f.oneof for f in self.fields if f.oneof))


@dataclass
class EnumValue:
    name: str  # as in the .proto (ROLE_PLAYER)
    number: int
    doc: str = ""


@dataclass
class Enum:
    name: str
    doc: str = ""
    values: list[EnumValue] = field(default_factory=list)
    file: str = ""

    def short(self, value: EnumValue) -> str:
        """The value without the enum's prefix, in CamelCase: ROLE_PLAYER -> Player."""
        prefix = camel_to_upper_snake(self.name) + "_"
        name = value.name[len(prefix):] if value.name.startswith(prefix) else value.name
        return snake_to_camel(name.lower())


@dataclass
class Contract:
    messages: list[Message]
    enums: list[Enum]
    #: Every RPC's service by method name (names are unique across the v1 services).
    rpcs: dict[str, str] = field(default_factory=dict)

    def message(self, name: str) -> Message:
        return next(m for m in self.messages if m.name == name)


def snake_to_camel(name: str) -> str:
    """speaking_style -> SpeakingStyle."""
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def camel_to_upper_snake(name: str) -> str:
    """ModerationNotice -> MODERATION_NOTICE."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).upper()


def _comment(locations: dict[tuple[int, ...], str], path: tuple[int, ...]) -> str:
    return locations.get(path, "")


def _type(f: descriptor_pb2.FieldDescriptorProto) -> Type:
    if f.type == FD.TYPE_ENUM:
        return Type("enum", f.type_name.rsplit(".", 1)[-1])
    if f.type == FD.TYPE_MESSAGE:
        return Type("message", f.type_name.rsplit(".", 1)[-1])
    return Type(SCALARS[f.type])


def _message(proto: descriptor_pb2.DescriptorProto, path: tuple[int, ...], docs: dict[tuple[int, ...], str],
             file: str) -> Message:
    entries = {f".{PACKAGE}.{proto.name}.{n.name}": n for n in proto.nested_type if n.options.map_entry}
    doc = _comment(docs, path)
    python = ""
    if MIRROR in doc:  # a marker for the tests, not documentation
        doc, python = (part.strip() for part in doc.split(MIRROR, 1))
    message = Message(proto.name, doc, file=file, python=python)
    for i, f in enumerate(proto.field):
        doc = _comment(docs, (*path, 2, i))
        repeated = f.label == FD.LABEL_REPEATED
        oneof = ""
        if f.HasField("oneof_index") and not f.proto3_optional:
            oneof = proto.oneof_decl[f.oneof_index].name
        if f.type_name in entries:  # map<K, V>: a repeated entry message in the descriptor
            key, value = entries[f.type_name].field
            message.fields.append(Field(f.name, f.number, _type(value), doc, map_key=_type(key)))
            continue
        message.fields.append(Field(f.name, f.number, _type(f), doc, repeated=repeated,
                                    optional=f.proto3_optional, oneof=oneof))
    return message


def load(proto_root: Path) -> Contract:
    """Run protoc over every .proto under ``proto_root`` and read back its descriptors."""
    from grpc_tools import protoc  # dev dependency: only the generators need it

    protos = sorted(str(p.relative_to(proto_root)) for p in proto_root.rglob("*.proto"))
    include = Path(protoc.__file__).parent / "_proto"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "contract.pb"
        args = ["protoc", f"-I{proto_root}", f"-I{include}", f"--descriptor_set_out={out}",
                "--include_source_info", *protos]
        if protoc.main(args) != 0:
            raise SystemExit("protoc failed; see the messages above")
        files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    messages, enums, rpcs = [], [], {}
    for file in files:
        if file.package != PACKAGE:
            continue
        for service in file.service:
            for method in service.method:
                if method.name in rpcs:
                    raise SystemExit(f"{method.name} is in both {rpcs[method.name]} and {service.name}: "
                                     "clients call RPCs by method name, so names must be unique")
                rpcs[method.name] = service.name
        docs = {tuple(loc.path): _clean(loc.leading_comments or loc.trailing_comments)
                for loc in file.source_code_info.location}
        for i, proto in enumerate(file.message_type):
            if proto.nested_type and any(not n.options.map_entry for n in proto.nested_type):
                raise SystemExit(f"{proto.name}: nested messages are not supported by the generators")
            messages.append(_message(proto, (4, i), docs, file.name))
        for i, proto in enumerate(file.enum_type):
            enum = Enum(proto.name, _comment(docs, (5, i)), file=file.name)
            for j, value in enumerate(proto.value):
                enum.values.append(EnumValue(value.name, value.number, _comment(docs, (5, i, 2, j))))
            enums.append(enum)
    return Contract(messages, enums, rpcs)


def _clean(comment: str) -> str:
    return " ".join(line.strip() for line in comment.strip().splitlines()).strip()
