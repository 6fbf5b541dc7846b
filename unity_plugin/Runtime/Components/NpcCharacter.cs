using System.Collections.Generic;
using System.Threading;
using UnityEngine;
using UnityEngine.Events;

namespace NpcBridge
{
    /// <summary>An NPC that talks: registers its character, opens a session, streams replies
    /// into UnityEvents, and cancels its reply when disabled.</summary>
    [AddComponentMenu("NPC Bridge/NPC Character")]
    public sealed class NpcCharacter : MonoBehaviour
    {
        [Tooltip("Existing character id on the host; with a persona below, it is created or replaced.")]
        public string characterId = "";
        public string displayName = "";
        [TextArea(3, 8)] public string persona = "";
        [TextArea(2, 6)] public string backstory = "";
        public string speakingStyle = "";
        public List<string> knowledge = new List<string>();
        [Tooltip("everyone, teen or mature; empty uses the host default.")]
        public string safetyPolicy = "";
        public string playerId = "player";
        public int maxTokens;

        [System.Serializable] public class TextEvent : UnityEvent<string> { }
        [System.Serializable] public class ModerationEvent : UnityEvent<ModerationNotice> { }
        public TextEvent onTextDelta = new TextEvent();
        public TextEvent onReply = new TextEvent();
        public ModerationEvent onModerated = new ModerationEvent();
        public TextEvent onError = new TextEvent();

        public string SessionId { get; private set; }
        CancellationTokenSource reply;

        async void Start()
        {
            var client = NpcBridgeHost.Instance != null ? NpcBridgeHost.Instance.Client : null;
            if (client == null) { onError.Invoke("no NpcBridgeHost in the scene"); return; }
            try
            {
                if (!string.IsNullOrEmpty(persona))
                {
                    var stored = await client.UpsertCharacterAsync(new Character
                    {
                        Id = characterId, Name = displayName, Persona = persona, Backstory = backstory,
                        SpeakingStyle = speakingStyle, Knowledge = knowledge, SafetyPolicy = safetyPolicy,
                    });
                    characterId = stored.Id;
                }
                SessionId = (await client.CreateSessionAsync(characterId, playerId)).Id;
            }
            catch (System.Exception e) { onError.Invoke(e.Message); }
        }

        /// <summary>Sends the player's line; a reply still streaming is cancelled first.</summary>
        public async void Say(string text)
        {
            var client = NpcBridgeHost.Instance != null ? NpcBridgeHost.Instance.Client : null;
            if (client == null || SessionId == null) { onError.Invoke("not connected yet"); return; }
            CancelReply();
            reply = new CancellationTokenSource();
            try
            {
                var r = await client.SayAsync(SessionId, text, new GenerationParams { MaxTokens = maxTokens },
                    onTextDelta.Invoke, onModerated.Invoke, reply.Token);
                onReply.Invoke(r.Text);
            }
            catch (System.OperationCanceledException) { }
            catch (System.Exception e) { onError.Invoke(e.Message); }
        }

        public void CancelReply()
        {
            if (reply != null) reply.Cancel();
            reply = null;
        }

        void OnDisable() { CancelReply(); }
    }
}
