"""The OpenAPI 3.1 document of the HTTP face, generated from the .proto descriptors.

Every message becomes a schema in protobuf's canonical JSON mapping (lowerCamelCase
names, 64-bit integers as strings, enums by name, maps as objects); every RPC a
``POST /v1/{Service}/{Method}``; server-streaming ones answer ``text/event-stream``.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from npcbridge import __version__
from npcbridge.transport.servicers import ServedService

_SCALARS: dict[int, dict[str, Any]] = {
    FieldDescriptor.TYPE_DOUBLE: {"type": "number"}, FieldDescriptor.TYPE_FLOAT: {"type": "number"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SINT32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_SFIXED32: {"type": "integer", "format": "int32"},
    FieldDescriptor.TYPE_UINT32: {"type": "integer", "format": "uint32", "minimum": 0},
    FieldDescriptor.TYPE_FIXED32: {"type": "integer", "format": "uint32", "minimum": 0},
    FieldDescriptor.TYPE_INT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_SINT64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_SFIXED64: {"type": "string", "format": "int64"},
    FieldDescriptor.TYPE_UINT64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_FIXED64: {"type": "string", "format": "uint64"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BYTES: {"type": "string", "contentEncoding": "base64"},
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "code": {"type": "string", "description": "The gRPC status code name, e.g. INVALID_ARGUMENT."},
        "message": {"type": "string", "description": "What went wrong and what to do about it."},
        "http_status": {"type": "integer"},
    },
}


def _ref(descriptor: Descriptor) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{descriptor.full_name}"}


def _is_map(field: FieldDescriptor) -> bool:
    message = field.message_type
    return message is not None and message.GetOptions().map_entry


def _is_repeated(field: FieldDescriptor) -> bool:
    # `label` is deprecated in newer protobuf releases; `is_repeated` replaces it.
    repeated = getattr(field, "is_repeated", None)
    return bool(repeated) if repeated is not None else field.label == FieldDescriptor.LABEL_REPEATED


def _value_schema(field: FieldDescriptor, pending: list[Descriptor]) -> dict[str, Any]:
    if field.type in (FieldDescriptor.TYPE_MESSAGE, FieldDescriptor.TYPE_GROUP):
        pending.append(field.message_type)
        return _ref(field.message_type)
    if field.type == FieldDescriptor.TYPE_ENUM:
        return {"type": "string", "enum": [v.name for v in field.enum_type.values]}
    return dict(_SCALARS[field.type])


def _field_schema(field: FieldDescriptor, pending: list[Descriptor]) -> dict[str, Any]:
    if _is_map(field):
        value = field.message_type.fields_by_name["value"]
        return {"type": "object", "additionalProperties": _value_schema(value, pending)}
    schema = _value_schema(field, pending)
    return {"type": "array", "items": schema} if _is_repeated(field) else schema


def message_schemas(roots: list[Descriptor]) -> dict[str, Any]:
    """Schemas of ``roots`` and every message they reach, keyed by full name."""
    schemas: dict[str, Any] = {}
    pending = list(roots)
    while pending:
        message = pending.pop()
        if message.full_name in schemas or message.GetOptions().map_entry:
            continue
        schemas[message.full_name] = {
            "type": "object",
            "properties": {f.json_name: _field_schema(f, pending) for f in message.fields},
        }
    return schemas


def openapi_document(services: list[ServedService]) -> dict[str, Any]:
    """The whole document: one path per RPC, schemas for every message they use."""
    paths: dict[str, Any] = {}
    roots: list[Descriptor] = []
    for service in services:
        for method in service.descriptor.methods:
            roots += [method.input_type, method.output_type]
            answer = _ref(method.output_type)
            content = ({"text/event-stream": {"schema": {"type": "string"},
                                              "x-event-schema": answer}}
                       if method.server_streaming else {"application/json": {"schema": answer}})
            errors = {"$ref": "#/components/responses/Error"}
            paths[f"/v1/{service.descriptor.name}/{method.name}"] = {"post": {
                "operationId": f"{service.descriptor.name}_{method.name}",
                "tags": [service.descriptor.name],
                "summary": f"{service.full_name}.{method.name}"
                           + (" (server-streaming: Server-Sent Events, or WebSocket at .../ws)"
                              if method.server_streaming else ""),
                "requestBody": {"required": False, "content": {"application/json": {"schema": _ref(method.input_type)}}},
                "responses": {"200": {"description": "OK", "content": content}, "400": errors, "401": errors,
                              "404": errors, "413": errors, "429": errors, "500": errors, "503": errors},
            }}
    return {
        "openapi": "3.1.0",
        "info": {"title": "NPC Bridge v1 (HTTP/JSON face)", "version": __version__,
                 "description": "The v1 gRPC contract over HTTP/1.1: protobuf's canonical JSON mapping; "
                                "streaming RPCs as Server-Sent Events or WebSocket; errors carry the gRPC code name."},
        "paths": paths,
        "components": {
            "schemas": {**message_schemas(roots), "Error": ERROR_SCHEMA},
            "responses": {"Error": {"description": "An error: HTTP status, gRPC code name and message.",
                                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}, {}],
    }
