"""Actions on the embedded model through gRPC: the emotion comes before the first
word, every call validates, a request gets its action and small talk none."""

from __future__ import annotations

import json

import jsonschema

from npcbridge._proto.v1 import dialogue_pb2 as dpb

SCHEMA = {"type": "object", "properties": {"item": {"type": "string", "enum": ["sword", "shield", "helmet"]}},
          "required": ["item"], "additionalProperties": False}
GIVE = dpb.ActionSpec(name="give_item", description="sell the player an item from the forge",
                      parameters_schema=json.dumps(SCHEMA),
                      examples=["I'll buy a sword.", "Give me a shield, please.", "I'd like to purchase a helmet."])
REPAIR = dpb.ActionSpec(name="repair", description="repair the player's damaged weapon",
                        examples=["Can you fix my sword?", "Please repair my armour."])


def test_embedded_model_actions_through_grpc(engine_host):
    client = engine_host.client()
    greta = client.upsert_character(name="Greta", persona="A gruff blacksmith.", actions=[GIVE, REPAIR],
                                    knowledge=["A shield costs 6 gold."])
    lines = {"Sell me that shield, here are six gold coins.": "give_item",
             "My blade broke in the fight, could you mend it?": "repair",
             "Good morning, Greta!": None}
    for line, expected in lines.items():
        session = client.create_session(greta.id, "p1")
        events = list(client.say(session.id, line, seed=1))
        kinds = [e.WhichOneof("event") for e in events]
        assert kinds[1] == "emotion" and kinds.index("emotion") < kinds.index("text_delta"), kinds
        calls = [e.action for e in events if e.WhichOneof("event") == "action"]
        assert [c.name for c in calls] == ([expected] if expected else []), (line, calls)
        for call in calls:
            args = json.loads(call.arguments_json)
            if call.name == "give_item":
                jsonschema.validate(args, SCHEMA)
                assert args == {"item": "shield"}  # the line names it
            else:
                assert args == {}
        done = events[-1].completed
        assert done.text.strip() and "->" not in done.text  # the call is not spoken
        assert list(done.actions) == calls
