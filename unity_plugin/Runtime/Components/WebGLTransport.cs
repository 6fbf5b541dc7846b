#if UNITY_WEBGL && !UNITY_EDITOR
using System;
using System.Collections.Generic;
using System.Text;
using UnityEngine;
using UnityEngine.Networking;

namespace NpcBridge
{
    /// <summary>
    /// The Http transport for WebGL players, where there is no HttpClient: the same routes and JSON
    /// over UnityWebRequest. Kept thin on purpose, and it cannot run in this repository's CI (no
    /// Unity, no browser player): the browser delivers a response body only when it is complete,
    /// so a Say's events all arrive when the reply ends (no word-by-word streaming on WebGL), and a
    /// cancel aborts the request. Everything else (routes, errors, event order) is HttpTransport's.
    /// </summary>
    internal sealed class WebGLTransport : ITransport
    {
        [RuntimeInitializeOnLoadMethod(RuntimeInitializeLoadType.BeforeSceneLoad)]
        static void Register()
        {
            NpcBridgeClient.WebTransportFactory = options => new WebGLTransport(options);
        }

        readonly NpcBridgeClientOptions options;
        readonly string baseUrl;
        readonly Queue<EventMessage> events = new Queue<EventMessage>();
        readonly Dictionary<ulong, UnityWebRequest> running = new Dictionary<ulong, UnityWebRequest>();
        ulong nextId;
        ConnectionState state = ConnectionState.Idle;

        WebGLTransport(NpcBridgeClientOptions options)
        {
            this.options = options;
            baseUrl = (string.IsNullOrEmpty(options.HttpUrl) ? "http://127.0.0.1:8080" : options.HttpUrl).TrimEnd('/') + "/v1/";
        }

        public ConnectionState State { get { return state; } }

        public int Connect(out string serverInfoJson, out string error)
        {
            // WebGL cannot block: the handshake is a plain GetServerInfo call (ConnectAsync's task
            // fails here; use GetServerInfoAsync on WebGL).
            serverInfoJson = "";
            error = "on WebGL call GetServerInfoAsync instead of ConnectAsync (a browser cannot block)";
            return (int)StatusCode.Unimplemented;
        }

        public int StartUnary(string method, string requestJson, out ulong id, out string error)
        {
            string service;
            error = "";
            if (!Rpcs.ServiceOf.TryGetValue(method, out service))
            {
                id = 0;
                error = "no RPC named " + method + " in the v1 contract";
                return (int)StatusCode.InvalidArgument;
            }
            id = Send(service, method, requestJson, options.TimeoutMs, (callId, body) =>
                events.Enqueue(new EventMessage { Type = EventType.Result, RequestId = callId, Json = body }));
            return 0;
        }

        public int StartSay(SayRequest request, out ulong id, out string error)
        {
            error = "";
            id = Send("Dialogue", "Say", Json.Write(request), options.StreamTimeoutMs, (callId, body) => Events(callId, body, HttpTransport.DialogueEvent));
            return 0;
        }

        public int StartGenerateAvatars(string requestJson, out ulong id, out string error)
        {
            error = "";
            id = Send("Avatars", "Generate", requestJson, options.StreamTimeoutMs, (callId, body) => Events(callId, body, HttpTransport.AvatarEvent));
            return 0;
        }

        public void Cancel(ulong id)
        {
            UnityWebRequest request;
            if (!running.TryGetValue(id, out request)) return;
            running.Remove(id);
            request.Abort();
            events.Enqueue(new EventMessage { Type = EventType.Error, Code = StatusCode.Cancelled, RequestId = id, Text = "cancelled" });
        }

        public int Poll(Action<EventMessage> sink, int maxEvents)
        {
            var count = 0;
            while (events.Count > 0 && (maxEvents <= 0 || count < maxEvents))
            {
                sink(events.Dequeue());
                count++;
            }
            return count;
        }

        public bool WaitForEvent(int timeoutMs) { return events.Count > 0; }

        public void Dispose()
        {
            foreach (var request in running.Values) request.Abort();
            running.Clear();
            state = ConnectionState.Shutdown;
        }

        ulong Send(string service, string method, string json, int timeoutMs, Action<ulong, string> onBody)
        {
            var id = ++nextId;
            var request = new UnityWebRequest(baseUrl + service + "/" + method, "POST")
            {
                uploadHandler = new UploadHandlerRaw(Encoding.UTF8.GetBytes(json)),
                downloadHandler = new DownloadHandlerBuffer(),
                timeout = timeoutMs > 0 ? Math.Max(1, timeoutMs / 1000) : 0,
            };
            request.SetRequestHeader("Content-Type", "application/json");
            request.SetRequestHeader("X-Json-Names", "proto");
            if (!string.IsNullOrEmpty(options.AuthToken)) request.SetRequestHeader("Authorization", "Bearer " + options.AuthToken);
            running[id] = request;
            request.SendWebRequest().completed += _ =>
            {
                if (!running.Remove(id)) return;  // cancelled
                var body = request.downloadHandler.text ?? "";
                if (request.result == UnityWebRequest.Result.ConnectionError)
                {
                    state = ConnectionState.TransientFailure;
                    events.Enqueue(new EventMessage { Type = EventType.Error, Code = StatusCode.Unavailable, RequestId = id, Text = request.error });
                }
                else if (request.responseCode != 200)
                {
                    var e = HttpTransport.ErrorEvent(body, (int)request.responseCode);
                    e.RequestId = id;
                    events.Enqueue(e);
                }
                else
                {
                    state = ConnectionState.Ready;
                    onBody(id, body);
                }
                request.Dispose();
            };
            return id;
        }

        void Events(ulong id, string body, Func<string, ulong, EventMessage> decode)
        {
            var kind = "message";
            foreach (var line in body.Split('\n'))
            {
                if (line.StartsWith("event: ", StringComparison.Ordinal)) kind = line.Substring(7).Trim();
                if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
                var data = line.Substring(6).TrimEnd('\r');
                if (kind == "error")
                {
                    var e = HttpTransport.ErrorEvent(data, 500);
                    e.RequestId = id;
                    events.Enqueue(e);
                    return;
                }
                events.Enqueue(decode(data, id));
            }
            events.Enqueue(new EventMessage { Type = EventType.StreamDone, RequestId = id });
        }
    }
}
#endif
