using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace NpcBridge
{
    /// <summary>Event kinds of the C API (npcb_event_type).</summary>
    internal enum EventType
    {
        Started = 1, TextDelta = 2, Moderation = 3, Completed = 4, AvatarProgress = 5, Avatar = 6,
        StreamDone = 7, Error = 8, ConnectionChanged = 9, VersionWarning = 10, Result = 11,
        Emotion = 12, Action = 13, Audio = 14, Viseme = 15
    }

    /// <summary>One event of a call (or of the connection), as either transport delivers it.</summary>
    internal sealed class EventMessage
    {
        public EventType Type;
        public StatusCode Code;
        public ConnectionState State;  // ConnectionChanged
        public ulong RequestId;
        public string Text, Json;
        public byte[] Data;
        public int ProgressCompleted, ProgressTotal;
    }

    /// <summary>A call in flight: consumes its events, completes its task on the last one.</summary>
    internal abstract class PendingCall
    {
        /// <summary>Handles one event; true when the call is over.</summary>
        public abstract bool OnEvent(EventMessage e);
        public abstract void Cancel();
    }

    internal sealed class PendingCall<T> : PendingCall
    {
        readonly TaskCompletionSource<T> tcs = new TaskCompletionSource<T>();
        readonly Func<EventMessage, bool> onProgress;  // handles non-terminal events
        readonly Func<EventMessage, T> onDone;         // the result from the terminal event
        readonly CancellationToken token;
        public CancellationTokenRegistration Registration;

        public PendingCall(Func<EventMessage, bool> onProgress, Func<EventMessage, T> onDone, CancellationToken token)
        {
            this.onProgress = onProgress;
            this.onDone = onDone;
            this.token = token;
        }

        public Task<T> Task { get { return tcs.Task; } }

        public override bool OnEvent(EventMessage e)
        {
            if (token.IsCancellationRequested)  // whatever was still queued: a cancelled call ends cancelled
            {
                Registration.Dispose();
                tcs.TrySetCanceled();
                return true;
            }
            if (e.Type == EventType.Error)
            {
                if (e.Code == StatusCode.Cancelled && token.IsCancellationRequested) tcs.TrySetCanceled();
                else tcs.TrySetException(new NpcBridgeException(e.Code, e.Text));
            }
            else if (onProgress != null && onProgress(e))
            {
                return false;
            }
            else
            {
                try { tcs.TrySetResult(onDone(e)); }
                catch (Exception ex) { tcs.TrySetException(ex); }
            }
            Registration.Dispose();
            return true;
        }

        public override void Cancel()
        {
            Registration.Dispose();
            tcs.TrySetCanceled();
        }
    }

    public sealed partial class NpcBridgeClient
    {
        public Task<ServerInfo> GetServerInfoAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<GetServerInfoRequest, ServerInfo>("GetServerInfo", new GetServerInfoRequest(), cancellationToken);
        }

        /// <summary>Creates or replaces a character (by id; an empty id gets one from the host).</summary>
        public Task<Character> UpsertCharacterAsync(Character character, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<UpsertCharacterRequest, Character>("UpsertCharacter", new UpsertCharacterRequest { Character = character }, cancellationToken);
        }

        public Task<Character> GetCharacterAsync(string id, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<GetCharacterRequest, Character>("GetCharacter", new GetCharacterRequest { Id = id }, cancellationToken);
        }

        public async Task<List<Character>> ListCharactersAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<ListCharactersRequest, ListCharactersResponse>("ListCharacters", new ListCharactersRequest(), cancellationToken);
            return r.Characters ?? new List<Character>();
        }

        /// <summary>The LoRA adapters this host can give characters (Character.Adapter), and which are loaded.</summary>
        public async Task<List<AdapterInfo>> ListAdaptersAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<ListAdaptersRequest, ListAdaptersResponse>("ListAdapters", new ListAdaptersRequest(), cancellationToken);
            return r.Adapters ?? new List<AdapterInfo>();
        }

        public Task DeleteCharacterAsync(string id, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<DeleteCharacterRequest, DeleteCharacterResponse>("DeleteCharacter", new DeleteCharacterRequest { Id = id }, cancellationToken);
        }

        public Task<Session> CreateSessionAsync(string characterId, string playerId = "player", CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<CreateSessionRequest, Session>("CreateSession",
                new CreateSessionRequest { CharacterId = characterId, PlayerId = playerId }, cancellationToken);
        }

        public Task<Session> GetSessionAsync(string id, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<GetSessionRequest, Session>("GetSession", new GetSessionRequest { Id = id }, cancellationToken);
        }

        public Task DeleteSessionAsync(string id, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<DeleteSessionRequest, DeleteSessionResponse>("DeleteSession", new DeleteSessionRequest { Id = id }, cancellationToken);
        }

        /// <summary>Checks a text under a policy (everyone, teen, mature; empty: host default).</summary>
        public Task<CheckResult> CheckAsync(string text, string policy = "", string context = "", CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<CheckRequest, CheckResult>("Check", new CheckRequest { Text = text, Policy = policy, Context = context }, cancellationToken);
        }

        public async Task<List<CheckResult>> CheckBatchAsync(IList<string> texts, string policy = "", string context = "", CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<CheckBatchRequest, CheckBatchResponse>("CheckBatch",
                new CheckBatchRequest { Texts = new List<string>(texts), Policy = policy, Context = context }, cancellationToken);
            return r.Results ?? new List<CheckResult>();
        }

        public async Task<List<Attribute>> ListAttributesAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<ListAttributesRequest, ListAttributesResponse>("ListAttributes", new ListAttributesRequest(), cancellationToken);
            return r.Attributes ?? new List<Attribute>();
        }

        /// <summary>The expressions the avatar model renders, each with the ARKit weights a rig applies
        /// for it (empty when it renders only a neutral face); see <see cref="FaceExpressions"/>.</summary>
        public async Task<List<Expression>> ListExpressionsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<ListAttributesRequest, ListAttributesResponse>("ListAttributes", new ListAttributesRequest(), cancellationToken);
            return r.Expressions ?? new List<Expression>();
        }

        /// <summary>
        /// Streams a reply: <paramref name="onDelta"/> (and <see cref="TextDelta"/>) get each piece of
        /// text during <see cref="Poll"/>; the task completes with the whole reply. Cancelling the token
        /// stops generation on the host. If a moderation notice says BLOCK mid-reply, discard the
        /// streamed text: the completed reply holds the replacement.
        /// </summary>
        /// <param name="priority">SayRequest.priority: higher is served first when the host is busy
        /// (the NPC next to the player); ties are first come, first served.</param>
        /// <param name="onEmotion">How the NPC feels; arrives before the first text delta.</param>
        /// <param name="onAction">An action the NPC takes (checked against the character's actions and
        /// their schemas); arrives as soon as its arguments are complete.</param>
        /// <param name="audio">Speak the reply in the character's voice: <paramref name="onAudio"/> gets
        /// PCM16 chunks and <paramref name="onViseme"/> mouth shapes timed against them, sentence by
        /// sentence while the text streams (NpcVoice plays them).</param>
        public Task<Completed> SayAsync(string sessionId, string text, GenerationParams parameters = null,
            Action<string> onDelta = null, Action<ModerationNotice> onModerated = null,
            CancellationToken cancellationToken = default(CancellationToken), int priority = 0,
            Action<Emotion> onEmotion = null, Action<ActionCall> onAction = null,
            bool audio = false, Action<AudioChunk> onAudio = null, Action<Viseme> onViseme = null)
        {
            var request = new SayRequest { SessionId = sessionId, Text = text, Params = parameters ?? new GenerationParams(),
                Priority = priority, Audio = audio };
            return Start((out ulong id, out string error) => Transport().StartSay(request, out id, out error),
                new PendingCall<Completed>(e =>
                {
                    if (e.Type == EventType.TextDelta && onDelta != null) onDelta(e.Text);
                    if (e.Type == EventType.Moderation && onModerated != null) onModerated(Json.Parse<ModerationNotice>(e.Json));
                    if (e.Type == EventType.Emotion && onEmotion != null) onEmotion(Json.Parse<Emotion>(e.Json));
                    if (e.Type == EventType.Action && onAction != null) onAction(Json.Parse<ActionCall>(e.Json));
                    if (e.Type == EventType.Audio && onAudio != null) onAudio(AudioOf(e));
                    if (e.Type == EventType.Viseme && onViseme != null) onViseme(Json.Parse<Viseme>(e.Json));
                    return e.Type != EventType.Completed;
                }, e => Json.Parse<Completed>(e.Json), cancellationToken), cancellationToken);
        }

        /// <summary>Generates avatars; each one also goes to <paramref name="onAvatar"/> as it arrives.</summary>
        public Task<List<Avatar>> GenerateAvatarsAsync(GenerateAvatarRequest request, Action<Avatar> onAvatar = null,
            Action<int, int> onProgress = null, CancellationToken cancellationToken = default(CancellationToken))
        {
            var avatars = new List<Avatar>();
            var json = Json.Write(request);
            return Start((out ulong id, out string error) => Transport().StartGenerateAvatars(json, out id, out error),
                new PendingCall<List<Avatar>>(e =>
                {
                    if (e.Type == EventType.AvatarProgress && onProgress != null) onProgress(e.ProgressCompleted, e.ProgressTotal);
                    if (e.Type == EventType.Avatar)
                    {
                        var avatar = Json.Parse<Avatar>(e.Json);
                        avatar.Png = e.Data;
                        avatars.Add(avatar);
                        if (onAvatar != null) onAvatar(avatar);
                    }
                    return e.Type != EventType.StreamDone;
                }, e => avatars, cancellationToken), cancellationToken);
        }

        Task<TResp> Unary<TReq, TResp>(string method, TReq request, CancellationToken cancellationToken)
        {
            var json = Json.Write(request);
            return Start((out ulong id, out string error) => Transport().StartUnary(method, json, out id, out error),
                new PendingCall<TResp>(null, e => Json.Parse<TResp>(e.Json), cancellationToken), cancellationToken);
        }

        delegate int Starter(out ulong id, out string error);

        /// <summary>Starts a call on the transport and registers it, so Poll can route its events.</summary>
        Task<T> Start<T>(Starter start, PendingCall<T> call, CancellationToken cancellationToken)
        {
            var tcs = new TaskCompletionSource<T>();
            if (cancellationToken.IsCancellationRequested)
            {
                tcs.SetCanceled();
                return tcs.Task;
            }
            lock (gate)  // Poll holds it too: the call is registered before any of its events is routed
            {
                ulong id;
                string error;
                var code = start(out id, out error);
                if (code != 0)
                {
                    tcs.SetException(new NpcBridgeException((StatusCode)code, error));
                    return tcs.Task;
                }
                pending[id] = call;
                call.Registration = cancellationToken.Register(() =>
                {
                    var t = transport;
                    if (t != null) t.Cancel(id);
                });
            }
            return call.Task;
        }
    }
}
