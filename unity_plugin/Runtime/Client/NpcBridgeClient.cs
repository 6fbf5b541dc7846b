using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace NpcBridge
{
    /// <summary>How to reach the host.</summary>
    public sealed class NpcBridgeClientOptions
    {
        /// <summary>Http (default: no native library needed) or NativeGrpc (libnpcbridge).</summary>
        public TransportKind Transport = TransportKind.Http;
        /// <summary>The host's HTTP face, for the Http transport.</summary>
        public string HttpUrl = "http://127.0.0.1:8080";
        /// <summary>The host's gRPC address, for the NativeGrpc transport.</summary>
        public string Address = "127.0.0.1:50051";
        public string AuthToken = "";
        public bool Tls;
        /// <summary>PEM root certificates; empty uses the system roots when TLS is on (NativeGrpc).</summary>
        public string TlsRootCertificates = "";
        public string ClientName = "npcbridge-unity";
        public int TimeoutMs = 10000;
        public int StreamTimeoutMs = 300000;
    }

    /// <summary>
    /// The NPC Bridge client. Plain C# (no UnityEngine), so it runs in Unity, in editor tools and in
    /// NUnit under Mono; over the host's HTTP face by default, or gRPC through the native library.
    /// </summary>
    /// <remarks>
    /// Every call returns a Task that completes inside <see cref="Poll"/>, on the thread that
    /// calls it (Unity's main thread when <c>NpcBridgeHost</c> polls in Update); deltas and
    /// other events are raised there too. Starting calls is thread-safe.
    /// </remarks>
    public sealed partial class NpcBridgeClient : IDisposable
    {
        readonly object gate = new object();
        readonly Dictionary<ulong, PendingCall> pending = new Dictionary<ulong, PendingCall>();
        readonly ConcurrentQueue<Action> completions = new ConcurrentQueue<Action>();
        readonly Action<EventMessage> dispatch;
        ITransport transport;

        /// <summary>Raised on <see cref="Poll"/> for every reply delta: (request id, text).</summary>
        public event Action<ulong, string> TextDelta;
        /// <summary>How the NPC feels (Say request id, emotion), before the reply's first text delta; raised during <see cref="Poll"/>.</summary>
        public event Action<ulong, Emotion> EmotionShown;
        /// <summary>An action the NPC takes (Say request id, checked call); raised during <see cref="Poll"/>.</summary>
        public event Action<ulong, ActionCall> ActionCalled;
        /// <summary>Raised on <see cref="Poll"/> when the channel goes down or comes back.</summary>
        public event Action<ConnectionState> ConnectionChanged;
        /// <summary>Raised on <see cref="Poll"/> when the host speaks a newer minor API version.</summary>
        public event Action<string> VersionWarning;

        public NpcBridgeClient(NpcBridgeClientOptions options = null)
        {
            options = options ?? new NpcBridgeClientOptions();
            if (options.Transport == TransportKind.NativeGrpc) transport = new NativeTransport(options);
            else if (WebTransportFactory != null) transport = WebTransportFactory(options);  // WebGL players
            else transport = new HttpTransport(options);
            dispatch = Dispatch;
        }

        /// <summary>Set on WebGL players (by WebGLTransport, in Runtime/Components): browsers have
        /// no HttpClient, so the Http transport goes through UnityWebRequest there.</summary>
        internal static Func<NpcBridgeClientOptions, ITransport> WebTransportFactory;

        /// <summary>The client API version this plugin speaks.</summary>
        public static string ApiVersion { get { return HttpTransport.ClientApiVersion; } }

        public ConnectionState State
        {
            get { var t = transport; return t == null ? ConnectionState.Shutdown : t.State; }
        }

        /// <summary>Handshake: fails with FailedPrecondition on a different major API version
        /// (the message says which side to upgrade), ConnectionFailed when no host answers.</summary>
        public Task<ServerInfo> ConnectAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var t = Transport();
            var tcs = new TaskCompletionSource<ServerInfo>();
            // The handshake blocks up to the deadline: run it off the caller's thread and
            // complete the task in Poll like every other call.
            Task.Run(() =>
            {
                string text, error;
                var code = t.Connect(out text, out error);
                completions.Enqueue(() =>
                {
                    if (cancellationToken.IsCancellationRequested) tcs.TrySetCanceled();
                    else if (code != 0) tcs.TrySetException(new NpcBridgeException((StatusCode)code, error));
                    else tcs.TrySetResult(Json.Parse<ServerInfo>(text));
                });
            });
            return tcs.Task;
        }

        /// <summary>Delivers queued events and completes finished calls on this thread; returns how many.</summary>
        public int Poll(int maxEvents = 0)
        {
            var count = 0;
            Action completion;
            while (completions.TryDequeue(out completion))
            {
                completion();
                count++;
            }
            var t = transport;
            if (t == null) return count;
            lock (gate)
            {
                count += t.Poll(dispatch, maxEvents);
            }
            return count;
        }

        /// <summary>Blocks up to timeoutMs for an event (for tools and tests; a game polls each frame).</summary>
        public bool WaitForEvent(int timeoutMs)
        {
            if (!completions.IsEmpty) return true;
            var t = transport;
            return t != null && t.WaitForEvent(timeoutMs);
        }

        /// <summary>Cancels every call in flight (their tasks end cancelled) and closes the transport.</summary>
        public void Dispose()
        {
            ITransport t;
            List<PendingCall> calls;
            lock (gate)
            {
                t = transport;
                transport = null;
                calls = new List<PendingCall>(pending.Values);
                pending.Clear();
            }
            if (t != null) t.Dispose();
            foreach (var call in calls) call.Cancel();
        }

        /// <summary>Routes one transport event to its call and the client's events (on the polling thread).</summary>
        void Dispatch(EventMessage message)
        {
            var type = message.Type;
            if (type == EventType.ConnectionChanged)
            {
                var handler = ConnectionChanged;
                if (handler != null) handler(message.State);
                return;
            }
            if (type == EventType.VersionWarning)
            {
                var handler = VersionWarning;
                if (handler != null) handler(message.Text);
                return;
            }
            PendingCall call;
            if (!pending.TryGetValue(message.RequestId, out call)) return;
            if (type == EventType.TextDelta)
            {
                var handler = TextDelta;
                if (handler != null) handler(message.RequestId, message.Text);
            }
            if (type == EventType.Emotion && EmotionShown != null) EmotionShown(message.RequestId, Json.Parse<Emotion>(message.Json));
            if (type == EventType.Action && ActionCalled != null) ActionCalled(message.RequestId, Json.Parse<ActionCall>(message.Json));
            if (call.OnEvent(message)) pending.Remove(message.RequestId);
        }

        ITransport Transport()
        {
            var t = transport;
            if (t == null) throw new ObjectDisposedException("NpcBridgeClient");
            return t;
        }
    }
}
