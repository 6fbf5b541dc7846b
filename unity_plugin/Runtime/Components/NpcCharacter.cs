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
        [Tooltip("Registered on Start when it has a persona (an empty id gets one from the host); " +
                 "without a persona, the character already stored on the host under this id.")]
        public Character character = new Character();
        public string playerId = "player";
        public int maxTokens;

        [System.Serializable] public class TextEvent : UnityEvent<string> { }
        [System.Serializable] public class ModerationEvent : UnityEvent<ModerationNotice> { }
        [System.Serializable] public class EmotionEvent : UnityEvent<Emotion> { }
        [System.Serializable] public class ActionEvent : UnityEvent<ActionCall> { }
        public TextEvent onTextDelta = new TextEvent();
        public TextEvent onReply = new TextEvent();
        public ModerationEvent onModerated = new ModerationEvent();
        /// <summary>How the NPC feels, before the first words of its reply (drive an animator).</summary>
        public EmotionEvent onEmotion = new EmotionEvent();
        /// <summary>An action the NPC takes: Name is one of its character's actions, ArgumentsJson validates.</summary>
        public ActionEvent onAction = new ActionEvent();
        public TextEvent onError = new TextEvent();

        public string SessionId { get; private set; }
        CancellationTokenSource reply;

        async void Start()
        {
            var client = NpcBridgeHost.Instance != null ? NpcBridgeHost.Instance.Client : null;
            if (client == null) { onError.Invoke("no NpcBridgeHost in the scene"); return; }
            try
            {
                if (!string.IsNullOrEmpty(character.Persona))
                {
                    // The session must use the id the host stored the character under.
                    character = await client.UpsertCharacterAsync(character);
                }
                SessionId = (await client.CreateSessionAsync(character.Id, playerId)).Id;
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
                // With an NpcVoice beside it, the reply is spoken and its lips move.
                var voice = GetComponent<NpcVoice>();
                if (voice != null) voice.Playback.Reset();
                var r = await client.SayAsync(SessionId, text, new GenerationParams { MaxTokens = maxTokens },
                    onTextDelta.Invoke, onModerated.Invoke, reply.Token, 0, onEmotion.Invoke, onAction.Invoke,
                    voice != null, voice != null ? (System.Action<AudioChunk>)voice.OnAudio : null,
                    voice != null ? (System.Action<Viseme>)voice.OnViseme : null);
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
