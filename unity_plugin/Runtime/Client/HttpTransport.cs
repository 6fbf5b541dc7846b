using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Runtime.Serialization;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace NpcBridge
{
    /// <summary>
    /// The host's HTTP face over .NET's HttpClient: unary calls as <c>POST /v1/{Service}/{Method}</c> with
    /// JSON, streaming calls (Say, avatars) as Server-Sent Events. No native library: it runs wherever
    /// Unity's .NET profile has HttpClient (editor, Windows, macOS, Linux, Android, iOS). WebGL has no
    /// HttpClient: see <c>WebGLTransport</c> in Runtime/Components.
    /// </summary>
    /// <remarks>Calls run on the thread pool; their events queue here and reach the game during Poll.
    /// Cancelling closes the stream, which stops generation on the host as a gRPC cancel does.</remarks>
    internal sealed partial class HttpTransport : ITransport
    {
        /// <summary>The v1 API version this client speaks (the native library reports the same).</summary>
        internal const string ClientApiVersion = "1.0.0";

        readonly HttpClient http;
        readonly NpcBridgeClientOptions options;
        readonly ConcurrentQueue<EventMessage> events = new ConcurrentQueue<EventMessage>();
        readonly SemaphoreSlim signal = new SemaphoreSlim(0);
        readonly ConcurrentDictionary<ulong, CancellationTokenSource> calls = new ConcurrentDictionary<ulong, CancellationTokenSource>();
        long nextId;
        int state = (int)ConnectionState.Idle;
        volatile bool disposed;
        // Reconnection backoff, as gRPC's channel does it: after a failed connection, calls fail
        // fast with UNAVAILABLE until the next try is due; the delay doubles from 200 ms to 5 s,
        // and one answer resets it.
        readonly object backoffGate = new object();
        DateTime nextTry = DateTime.MinValue;
        int backoffMs;
        const int InitialBackoffMs = 200, MaxBackoffMs = 5000;
        // An UNAVAILABLE unary call (a replica gone, a balancer with no live one) is tried again on a
        // new connection, as the native client's gRPC retry policy does: 3 attempts, 50 ms then 100 ms
        // apart, within the call's deadline. Streams are never retried: the game decides.
        const int UnaryAttempts = 3, FirstRetryMs = 50, MaxRetryMs = 400;
        readonly Routing routing = new Routing();

        public HttpTransport(NpcBridgeClientOptions options)
        {
            this.options = options;
            if (options.TimeoutMs < 0 || options.StreamTimeoutMs < 0)
                throw new NpcBridgeException(StatusCode.InvalidArgument, "TimeoutMs and StreamTimeoutMs must be 0 (no deadline) or more");
            var url = string.IsNullOrEmpty(options.HttpUrl) ? (options.Tls ? "https://" : "http://") + "127.0.0.1:8080" : options.HttpUrl;
            Uri baseAddress;
            if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out baseAddress) || !baseAddress.Scheme.StartsWith("http", StringComparison.Ordinal))
                throw new NpcBridgeException(StatusCode.InvalidArgument, "HttpUrl " + url + " is not an http:// or https:// URL");
            // Small POSTs go out at once: with Nagle's algorithm on, Mono's handler holds the body
            // until the headers are acknowledged, and the host's delayed ACK adds ~40 ms to every call.
            var servicePoint = System.Net.ServicePointManager.FindServicePoint(baseAddress);
            servicePoint.UseNagleAlgorithm = false;
            servicePoint.Expect100Continue = false;
            http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
            if (!string.IsNullOrEmpty(options.AuthToken))
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.AuthToken);
            http.DefaultRequestHeaders.Add("X-Json-Names", "proto");  // the .proto field names of Contract.g.cs
        }

        public ConnectionState State { get { return disposed ? ConnectionState.Shutdown : (ConnectionState)state; } }

        public int Connect(out string serverInfoJson, out string error)
        {
            var request = Json.Write(new GetServerInfoRequest { ClientName = options.ClientName ?? "", ClientApiVersion = ClientApiVersion });
            var result = Send("Runtime", "GetServerInfo", request, options.TimeoutMs, CancellationToken.None).Result;
            serverInfoJson = result.Json ?? "";
            error = result.Text ?? "";
            if (result.Type == EventType.Error)
            {
                if (result.Code == StatusCode.Unavailable || result.Code == StatusCode.DeadlineExceeded)
                {
                    error = "cannot reach the NPC Bridge host at " + http.BaseAddress + " (" + error +
                            "); is it running (npcbridge serve) and is the address right?";
                    return (int)StatusCode.ConnectionFailed;
                }
                return (int)result.Code;
            }
            var host = Json.Parse<ServerInfo>(serverInfoJson).ApiVersion;
            int hostMajor = Part(host, 0), ours = Part(ClientApiVersion, 0);
            if (hostMajor != ours)
            {
                error = "API version mismatch: host speaks " + host + ", this client " + ClientApiVersion + "; " +
                        (hostMajor > ours ? "upgrade the NPC Bridge plugin (client)" : "upgrade the host");
                return (int)StatusCode.FailedPrecondition;
            }
            if (Part(host, 1) > Part(ClientApiVersion, 1))
                Push(new EventMessage { Type = EventType.VersionWarning, Text = "the host speaks API " + host +
                    ", newer than this client's " + ClientApiVersion + "; everything here works, but newer features need a newer plugin" });
            return 0;
        }

        public int StartUnary(string method, string requestJson, out ulong id, out string error)
        {
            string service;
            if (!Rpcs.ServiceOf.TryGetValue(method, out service))
            {
                id = 0;
                error = "no RPC named " + method + " in the v1 contract";
                return (int)StatusCode.InvalidArgument;
            }
            var key = routing.KeyOf(method, requestJson);
            return Begin(out id, out error, async (callId, token) =>
            {
                var result = await Send(service, method, requestJson, options.TimeoutMs, token, key).ConfigureAwait(false);
                if (result.Type == EventType.Result) routing.Learn(method, requestJson, result.Json);
                return result;
            });
        }

        public int StartSay(SayRequest request, out ulong id, out string error)
        {
            var body = Json.Write(request);
            var key = routing.CharacterOf(request.SessionId);
            return Begin(out id, out error, (callId, token) => Stream("Dialogue", "Say", body, callId, token, DialogueEvent, key));
        }

        public int StartGenerateAvatars(string requestJson, out ulong id, out string error)
        {
            return Begin(out id, out error, (callId, token) => Stream("Avatars", "Generate", requestJson, callId, token, AvatarEvent, ""));
        }

        public void Cancel(ulong id)
        {
            CancellationTokenSource cts;
            if (calls.TryGetValue(id, out cts)) cts.Cancel();
        }

        public int Poll(Action<EventMessage> sink, int maxEvents)
        {
            var count = 0;
            EventMessage message;
            while ((maxEvents <= 0 || count < maxEvents) && events.TryDequeue(out message))
            {
                sink(message);
                count++;
            }
            return count;
        }

        public bool WaitForEvent(int timeoutMs)
        {
            return !events.IsEmpty || signal.Wait(timeoutMs);
        }

        public void Dispose()
        {
            disposed = true;
            foreach (var cts in calls.Values) cts.Cancel();
            http.Dispose();
        }

        // ---- calls ---------------------------------------------------------------------------

        int Begin(out ulong id, out string error, Func<ulong, CancellationToken, Task<EventMessage>> run)
        {
            error = "";
            if (disposed) throw new ObjectDisposedException("NpcBridgeClient");
            var callId = (ulong)Interlocked.Increment(ref nextId);
            var cts = new CancellationTokenSource();
            calls[callId] = cts;
            id = callId;
            Task.Run(async () =>
            {
                EventMessage last;
                try { last = await run(callId, cts.Token).ConfigureAwait(false); }
                catch (Exception e) { last = Failure(e, cts.Token); }
                CancellationTokenSource done;
                calls.TryRemove(callId, out done);
                last.RequestId = callId;
                Push(last);
            });
            return 0;
        }

        async Task<EventMessage> Send(string service, string method, string json, int timeoutMs, CancellationToken token,
            string routingKey = "")
        {
            var waiting = BackingOff();
            if (waiting != null) return waiting;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                if (timeoutMs > 0) deadline.CancelAfter(timeoutMs);
                var delay = FirstRetryMs;
                for (var attempt = 1; ; attempt++)
                {
                    var result = await SendOnce(service, method, json, routingKey, deadline.Token, token).ConfigureAwait(false);
                    if (result.Code != StatusCode.Unavailable || attempt == UnaryAttempts) return result;
                    try { await Task.Delay(delay, deadline.Token).ConfigureAwait(false); }
                    catch (OperationCanceledException) { return result; }
                    delay = Math.Min(MaxRetryMs, delay * 2);
                }
            }
        }

        async Task<EventMessage> SendOnce(string service, string method, string json, string routingKey,
            CancellationToken deadline, CancellationToken token)
        {
            try
            {
                var request = new HttpRequestMessage(HttpMethod.Post, "v1/" + service + "/" + method)
                { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                Route(request, routingKey);
                using (var response = await http.SendAsync(request, deadline).ConfigureAwait(false))
                {
                    var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                    Connected(true);
                    if (!response.IsSuccessStatusCode) return ErrorEvent(body, (int)response.StatusCode);
                    return new EventMessage { Type = EventType.Result, Json = body };
                }
            }
            catch (Exception e) { return Failure(e, token); }
        }

        /// <summary>Names the call's character for a balancer that keeps each character on one replica.</summary>
        static void Route(HttpRequestMessage request, string routingKey)
        {
            if (!string.IsNullOrEmpty(routingKey)) request.Headers.TryAddWithoutValidation(Routing.Header, routingKey);
        }

        async Task<EventMessage> Stream(string service, string method, string json, ulong callId, CancellationToken token,
            Func<string, ulong, EventMessage> decode, string routingKey)
        {
            var waiting = BackingOff();
            if (waiting != null) return waiting;
            using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                if (options.StreamTimeoutMs > 0) deadline.CancelAfter(options.StreamTimeoutMs);
                var request = new HttpRequestMessage(HttpMethod.Post, "v1/" + service + "/" + method)
                { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                Route(request, routingKey);
                using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false))
                {
                    Connected(true);
                    if (!response.IsSuccessStatusCode)
                        return ErrorEvent(await response.Content.ReadAsStringAsync().ConfigureAwait(false), (int)response.StatusCode);
                    using (var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                    {
                        try
                        {
                            var kind = "message";
                            var lines = new SseLines(stream);
                            string line;
                            // Reads take the token (Mono's HttpClient ignores a Dispose mid-read): a cancel ends
                            // the read at once, the connection closes, and the host stops generating.
                            while ((line = await lines.ReadLineAsync(deadline.Token).ConfigureAwait(false)) != null)
                            {
                                if (line.StartsWith("event: ", StringComparison.Ordinal)) kind = line.Substring(7);
                                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                                var data = line.Substring(6);
                                if (kind == "error") return ErrorEvent(data, 500);
                                Push(decode(data, callId));
                            }
                        }
                        catch (Exception) when (deadline.IsCancellationRequested && !token.IsCancellationRequested)
                        {
                            return new EventMessage { Type = EventType.Error, Code = StatusCode.DeadlineExceeded,
                                                      Text = "the stream outlived StreamTimeoutMs" };
                        }
                    }
                }
                deadline.Token.ThrowIfCancellationRequested();
                return new EventMessage { Type = EventType.StreamDone };
            }
        }

        // ---- errors and state --------------------------------------------------------------

        EventMessage Failure(Exception e, CancellationToken token)
        {
            while (e is AggregateException && e.InnerException != null) e = e.InnerException;
            if (token.IsCancellationRequested) return new EventMessage { Type = EventType.Error, Code = StatusCode.Cancelled, Text = "cancelled" };
            if (e is OperationCanceledException || e is TimeoutException)
                return new EventMessage { Type = EventType.Error, Code = StatusCode.DeadlineExceeded, Text = "no answer within the deadline" };
            Connected(false);
            return new EventMessage { Type = EventType.Error, Code = StatusCode.Unavailable, Text = e.Message };
        }

        /// <summary>An UNAVAILABLE answer while the backoff after a failed connection runs, else null.</summary>
        EventMessage BackingOff()
        {
            lock (backoffGate)
            {
                var wait = (nextTry - DateTime.UtcNow).TotalMilliseconds;
                if (wait <= 0) return null;
                return new EventMessage { Type = EventType.Error, Code = StatusCode.Unavailable,
                    Text = "the host at " + http.BaseAddress + " is unreachable; the next try is in " + (int)wait + " ms" };
            }
        }

        void Connected(bool up)
        {
            lock (backoffGate)
            {
                backoffMs = up ? 0 : Math.Min(MaxBackoffMs, backoffMs == 0 ? InitialBackoffMs : backoffMs * 2);
                nextTry = up ? DateTime.MinValue : DateTime.UtcNow.AddMilliseconds(backoffMs);
            }
            var next = (int)(up ? ConnectionState.Ready : ConnectionState.TransientFailure);
            if (Interlocked.Exchange(ref state, next) != next)
                Push(new EventMessage { Type = EventType.ConnectionChanged, State = (ConnectionState)next });
        }

        void Push(EventMessage message)
        {
            events.Enqueue(message);
            signal.Release();
        }

        static int Part(string version, int index)
        {
            var parts = (version ?? "").Split('.');
            int value;
            return parts.Length > index && int.TryParse(parts[index], out value) ? value : 0;
        }
    }

    /// <summary>UTF-8 lines of a response body, read with a cancellation token.</summary>
    internal sealed class SseLines
    {
        readonly Stream stream;
        readonly byte[] chunk = new byte[8192];
        readonly MemoryStream pending = new MemoryStream();

        public SseLines(Stream stream)
        {
            this.stream = stream;
        }

        /// <summary>The next line without its end, or null at the end of the body.</summary>
        public async Task<string> ReadLineAsync(CancellationToken token)
        {
            for (;;)
            {
                var buffer = pending.GetBuffer();
                var length = (int)pending.Length;
                var end = Array.IndexOf(buffer, (byte)'\n', 0, length);
                if (end >= 0)
                {
                    var line = Encoding.UTF8.GetString(buffer, 0, end > 0 && buffer[end - 1] == '\r' ? end - 1 : end);
                    var rest = length - end - 1;
                    Buffer.BlockCopy(buffer, end + 1, buffer, 0, rest);
                    pending.SetLength(rest);
                    return line;
                }
                var read = await stream.ReadAsync(chunk, 0, chunk.Length, token).ConfigureAwait(false);
                if (read == 0) return length > 0 ? Take(buffer, length) : null;
                pending.Position = pending.Length;
                pending.Write(chunk, 0, read);
            }
        }

        string Take(byte[] buffer, int length)
        {
            pending.SetLength(0);
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
    }
}
