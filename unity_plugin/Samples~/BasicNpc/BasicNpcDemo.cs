using UnityEngine;
using UnityEngine.UI;

namespace NpcBridge.Samples
{
    /// <summary>Wires an InputField and a Text to an NpcCharacter: type a line, watch the reply stream.
    /// The NPC can open a door ("open_door", declared on its Character in the inspector or here): ask it to,
    /// and the door object is switched off; its emotion tints the reply text.</summary>
    public sealed class BasicNpcDemo : MonoBehaviour
    {
        public NpcCharacter npc;
        public InputField input;
        public Text reply;
        public GameObject door;

        void Awake()
        {
            // Declared before NpcCharacter.Start upserts the character.
            if (!npc.character.Actions.Exists(a => a.Name == "open_door"))
                npc.character.Actions.Add(new ActionSpec
                {
                    Name = "open_door", Description = "open the door for the player",
                    Examples = new System.Collections.Generic.List<string> { "Open the door, please.", "Let me in." }
                });
        }

        void Start()
        {
            npc.onTextDelta.AddListener(delta => reply.text += delta);
            npc.onEmotion.AddListener(emotion => reply.color = emotion.Label == "angry" ? Color.red
                : emotion.Label == "happy" ? Color.green : Color.white);
            npc.onAction.AddListener(action =>
            {
                if (action.Name == "open_door" && door != null) door.SetActive(false);
            });
            npc.onModerated.AddListener(notice => Debug.Log("moderation: " + notice.Action + " " + notice.Message));
            npc.onError.AddListener(error => reply.text = "[" + error + "]");
            input.onEndEdit.AddListener(Send);
        }

        void Send(string line)
        {
            if (string.IsNullOrEmpty(line)) return;
            reply.text = "";
            npc.Say(line);
            input.text = "";
        }
    }
}
