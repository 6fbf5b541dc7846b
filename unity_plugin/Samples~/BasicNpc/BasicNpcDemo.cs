using UnityEngine;
using UnityEngine.UI;

namespace NpcBridge.Samples
{
    /// <summary>Wires an InputField and a Text to an NpcCharacter: type a line, watch the reply stream.</summary>
    public sealed class BasicNpcDemo : MonoBehaviour
    {
        public NpcCharacter npc;
        public InputField input;
        public Text reply;

        void Start()
        {
            npc.onTextDelta.AddListener(delta => reply.text += delta);
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
