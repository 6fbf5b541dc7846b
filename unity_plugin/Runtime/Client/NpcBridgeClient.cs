using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NpcBridge.Native;

namespace NpcBridge
{
    /// <summary>How to reach the host.</summary>
    public sealed class NpcBridgeClientOptions
    {
        public string Address = "127.0.0.1:50051";
        public string AuthToken = "";
        public bool Tls;
        /// <summary>PEM root certificates; empty uses the system roots when TLS is on.</summary>
        public string TlsRootCertificates = "";
        public string ClientName = "npcbridge-unity";
        public int TimeoutMs = 10000;
        public int StreamTimeoutMs = 300000;
    }

    /// <summary>
    /// The NPC Bridge client over the native library's C API. Plain C# (no UnityEngine),
    /// so it runs in Unity, in editor tools and in NUnit under Mono.
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
        readonly NativeMethods.EventCallback callback = OnNativeEvent;  // held so it is never collected
        GCHandle self;
        IntPtr handle;
        Exception handlerError;

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
            var json = Json.Write(new ClientOptionsJson
            {
                Address = options.Address, AuthToken = options.AuthToken ?? "", Tls = options.Tls,
                TlsRootCerts = options.TlsRootCertificates ?? "", ClientName = options.ClientName ?? "",
                TimeoutMs = options.TimeoutMs, StreamTimeoutMs = options.StreamTimeoutMs,
            });
            Check(NativeMethods.npcb_client_create(Utf8.ToNative(json), out handle));
            self = GCHandle.Alloc(this);
        }

        /// <summary>The client API version this plugin speaks.</summary>
        public static string ApiVersion { get { return Utf8.FromNative(NativeMethods.npcb_api_version()); } }

        public ConnectionState State
        {
            get { return handle == IntPtr.Zero ? ConnectionState.Shutdown : (ConnectionState)NativeMethods.npcb_get_connection_state(handle); }
        }

        /// <summary>Handshake: fails with FailedPrecondition on a different major API version
        /// (the message says which side to upgrade), ConnectionFailed when no host answers.</summary>
        public Task<ServerInfo> ConnectAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var h = Handle();
            var tcs = new TaskCompletionSource<ServerInfo>();
            // npcb_connect blocks up to the deadline: run it off the caller's thread and
            // complete the task in Poll like every other call.
            Task.Run(() =>
            {
                IntPtr json;
                var code = NativeMethods.npcb_connect(h, out json);
                var error = Utf8.FromNative(NativeMethods.npcb_last_error());
                var text = Utf8.TakeNative(json);
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
            if (handle == IntPtr.Zero) return count;
            lock (gate)
            {
                count += Math.Max(0, NativeMethods.npcb_poll(handle, callback, GCHandle.ToIntPtr(self), maxEvents));
            }
            var error = handlerError;
            handlerError = null;
            if (error != null) throw new AggregateException("an NPC Bridge event handler threw", error);
            return count;
        }

        /// <summary>Blocks up to timeoutMs for an event (for tools and tests; a game polls each frame).</summary>
        public bool WaitForEvent(int timeoutMs)
        {
            if (!completions.IsEmpty) return true;
            return handle != IntPtr.Zero && NativeMethods.npcb_wait_for_event(handle, timeoutMs) == 1;
        }

        /// <summary>Cancels every call in flight (their tasks end cancelled) and frees the native client.</summary>
        public void Dispose()
        {
            IntPtr h;
            List<PendingCall> calls;
            lock (gate)
            {
                h = handle;
                handle = IntPtr.Zero;
                calls = new List<PendingCall>(pending.Values);
                pending.Clear();
            }
            if (h != IntPtr.Zero) NativeMethods.npcb_client_destroy(h);  // cancels and joins its threads
            foreach (var call in calls) call.Cancel();
            if (self.IsAllocated) self.Free();
        }

        [AOT.MonoPInvokeCallback(typeof(NativeMethods.EventCallback))]
        static void OnNativeEvent(ref NativeMethods.Event ev, IntPtr userData)
        {
            var client = (NpcBridgeClient)GCHandle.FromIntPtr(userData).Target;
            try
            {
                client.Dispatch(ref ev);
            }
            catch (Exception e)
            {
                // Never let an exception unwind through native frames: rethrown after npcb_poll.
                if (client.handlerError == null) client.handlerError = e;
            }
        }

        void Dispatch(ref NativeMethods.Event ev)
        {
            var type = (EventType)ev.Type;
            if (type == EventType.ConnectionChanged)
            {
                var handler = ConnectionChanged;
                if (handler != null) handler((ConnectionState)ev.ConnectionState);
                return;
            }
            if (type == EventType.VersionWarning)
            {
                var handler = VersionWarning;
                if (handler != null) handler(Utf8.FromNative(ev.Text));
                return;
            }
            PendingCall call;
            if (!pending.TryGetValue(ev.RequestId, out call)) return;
            var message = new EventMessage
            {
                Type = type, Code = (StatusCode)ev.Code, RequestId = ev.RequestId, Text = Utf8.FromNative(ev.Text),
                Json = Utf8.FromNative(ev.Json), ProgressCompleted = ev.ProgressCompleted, ProgressTotal = ev.ProgressTotal,
            };
            if (ev.Data != IntPtr.Zero && ev.DataLen > 0)
            {
                message.Data = new byte[ev.DataLen];
                Marshal.Copy(ev.Data, message.Data, 0, ev.DataLen);
            }
            if (type == EventType.TextDelta)
            {
                var handler = TextDelta;
                if (handler != null) handler(ev.RequestId, message.Text);
            }
            if (type == EventType.Emotion && EmotionShown != null) EmotionShown(ev.RequestId, Json.Parse<Emotion>(message.Json));
            if (type == EventType.Action && ActionCalled != null) ActionCalled(ev.RequestId, Json.Parse<ActionCall>(message.Json));
            if (call.OnEvent(message)) pending.Remove(ev.RequestId);
        }

        IntPtr Handle()
        {
            var h = handle;
            if (h == IntPtr.Zero) throw new ObjectDisposedException("NpcBridgeClient");
            return h;
        }

        static void Check(int code)
        {
            if (code != 0) throw new NpcBridgeException((StatusCode)code, Utf8.FromNative(NativeMethods.npcb_last_error()));
        }
    }
}
