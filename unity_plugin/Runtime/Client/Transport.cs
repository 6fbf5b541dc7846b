using System;
using System.Runtime.InteropServices;
using NpcBridge.Native;

namespace NpcBridge
{
    /// <summary>How the client reaches the host.</summary>
    public enum TransportKind
    {
        /// <summary>The host's HTTP face (JSON + Server-Sent Events) over .NET's HttpClient: no native
        /// library, works in the editor and in Windows, macOS, Linux, Android and iOS players.</summary>
        Http = 0,
        /// <summary>gRPC through the native library (libnpcbridge), built per platform.</summary>
        NativeGrpc = 1,
    }

    /// <summary>
    /// What the client needs of a transport: start calls, cancel them, and hand over their events
    /// (as the C API's event kinds) on the thread that polls. Both transports keep the same event
    /// order and the same status codes, so everything above them is shared.
    /// </summary>
    internal interface ITransport : IDisposable
    {
        ConnectionState State { get; }
        /// <summary>The handshake (blocking, up to the call deadline): 0 and the ServerInfo JSON, or a status code.</summary>
        int Connect(out string serverInfoJson, out string error);
        int StartUnary(string method, string requestJson, out ulong id, out string error);
        int StartSay(SayRequest request, out ulong id, out string error);
        int StartGenerateAvatars(string requestJson, out ulong id, out string error);
        void Cancel(ulong id);
        /// <summary>Hands queued events to <paramref name="sink"/> on this thread; returns how many.</summary>
        int Poll(Action<EventMessage> sink, int maxEvents);
        bool WaitForEvent(int timeoutMs);
    }

    /// <summary>gRPC through the native library's C API.</summary>
    internal sealed class NativeTransport : ITransport
    {
        readonly NativeMethods.EventCallback callback = OnNativeEvent;  // held so it is never collected
        GCHandle self;
        IntPtr handle;
        Action<EventMessage> sink;
        Exception sinkError;

        public NativeTransport(NpcBridgeClientOptions options)
        {
            var json = Json.Write(new ClientOptionsJson
            {
                Address = options.Address, AuthToken = options.AuthToken ?? "", Tls = options.Tls,
                TlsRootCerts = options.TlsRootCertificates ?? "", ClientName = options.ClientName ?? "",
                TimeoutMs = options.TimeoutMs, StreamTimeoutMs = options.StreamTimeoutMs,
            });
            if (NativeMethods.npcb_client_create(Utf8.ToNative(json), out handle) != 0)
                throw new NpcBridgeException(StatusCode.InvalidArgument, Utf8.FromNative(NativeMethods.npcb_last_error()));
            self = GCHandle.Alloc(this);
        }

        public ConnectionState State
        {
            get { return handle == IntPtr.Zero ? ConnectionState.Shutdown : (ConnectionState)NativeMethods.npcb_get_connection_state(handle); }
        }

        public int Connect(out string serverInfoJson, out string error)
        {
            IntPtr json;
            var code = NativeMethods.npcb_connect(Handle(), out json);
            error = Utf8.FromNative(NativeMethods.npcb_last_error());
            serverInfoJson = Utf8.TakeNative(json);
            return code;
        }

        public int StartUnary(string method, string requestJson, out ulong id, out string error)
        {
            return Done(NativeMethods.npcb_call_async(Handle(), Utf8.ToNative(method), Utf8.ToNative(requestJson), out id), out error);
        }

        public int StartSay(SayRequest request, out ulong id, out string error)
        {
            var parameters = Utf8.ToNative(SayParamsJson(request.Params ?? new GenerationParams(), request.Priority, request.Audio));
            return Done(NativeMethods.npcb_say(Handle(), Utf8.ToNative(request.SessionId), Utf8.ToNative(request.Text), parameters, out id), out error);
        }

        public int StartGenerateAvatars(string requestJson, out ulong id, out string error)
        {
            return Done(NativeMethods.npcb_generate_avatar(Handle(), Utf8.ToNative(requestJson), out id), out error);
        }

        public void Cancel(ulong id)
        {
            var h = handle;
            if (h != IntPtr.Zero) NativeMethods.npcb_cancel(h, id);
        }

        public int Poll(Action<EventMessage> sink, int maxEvents)
        {
            if (handle == IntPtr.Zero) return 0;
            this.sink = sink;
            var count = Math.Max(0, NativeMethods.npcb_poll(handle, callback, GCHandle.ToIntPtr(self), maxEvents));
            var error = sinkError;
            sinkError = null;
            if (error != null) throw new AggregateException("an NPC Bridge event handler threw", error);
            return count;
        }

        public bool WaitForEvent(int timeoutMs)
        {
            return handle != IntPtr.Zero && NativeMethods.npcb_wait_for_event(handle, timeoutMs) == 1;
        }

        public void Dispose()
        {
            var h = handle;
            handle = IntPtr.Zero;
            if (h != IntPtr.Zero) NativeMethods.npcb_client_destroy(h);  // cancels and joins its threads
            if (self.IsAllocated) self.Free();
        }

        /// <summary>npcb_say's params: GenerationParams JSON plus the request's "priority" and "audio".</summary>
        internal static string SayParamsJson(GenerationParams parameters, int priority, bool audio = false)
        {
            var json = Json.Write(parameters);
            var extra = (priority != 0 ? "\"priority\":" + priority : "") + (audio ? (priority != 0 ? "," : "") + "\"audio\":true" : "");
            if (extra.Length == 0) return json;
            var close = json.LastIndexOf('}');
            return json.Substring(0, close) + (json.Trim().Length > 2 ? "," : "") + extra + "}";
        }

        [AOT.MonoPInvokeCallback(typeof(NativeMethods.EventCallback))]
        static void OnNativeEvent(ref NativeMethods.Event ev, IntPtr userData)
        {
            var transport = (NativeTransport)GCHandle.FromIntPtr(userData).Target;
            try
            {
                var message = new EventMessage
                {
                    Type = (EventType)ev.Type, Code = (StatusCode)ev.Code, RequestId = ev.RequestId,
                    Text = Utf8.FromNative(ev.Text), Json = Utf8.FromNative(ev.Json),
                    ProgressCompleted = ev.ProgressCompleted, ProgressTotal = ev.ProgressTotal,
                    State = (ConnectionState)ev.ConnectionState,
                };
                if (ev.Data != IntPtr.Zero && ev.DataLen > 0)
                {
                    message.Data = new byte[ev.DataLen];
                    Marshal.Copy(ev.Data, message.Data, 0, ev.DataLen);
                }
                transport.sink(message);
            }
            catch (Exception e)
            {
                // Never let an exception unwind through native frames: rethrown after npcb_poll.
                if (transport.sinkError == null) transport.sinkError = e;
            }
        }

        IntPtr Handle()
        {
            var h = handle;
            if (h == IntPtr.Zero) throw new ObjectDisposedException("NpcBridgeClient");
            return h;
        }

        static int Done(int code, out string error)
        {
            error = code == 0 ? "" : Utf8.FromNative(NativeMethods.npcb_last_error());
            return code;
        }
    }
}
