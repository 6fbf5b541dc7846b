using UnityEngine;

namespace NpcBridge
{
    /// <summary>Where the host is and how long calls may take. Create one with
    /// Assets > Create > NPC Bridge > Settings, or edit it in Project Settings > NPC Bridge.</summary>
    [CreateAssetMenu(menuName = "NPC Bridge/Settings", fileName = "NpcBridgeSettings")]
    public sealed class NpcBridgeSettings : ScriptableObject
    {
        [Tooltip("Http: the host's HTTP face, no native library (default; WebGL uses UnityWebRequest). " +
                 "NativeGrpc: gRPC through libnpcbridge, built per platform.")]
        public TransportKind transport = TransportKind.Http;
        public string host = "127.0.0.1";
        [Tooltip("The host's HTTP port (npcbridge serve --http-port).")]
        public int httpPort = 8080;
        [Tooltip("The host's gRPC port, for the NativeGrpc transport.")]
        public int port = 50051;
        [Tooltip("Bearer token the host requires; leave empty for a local host.")]
        public string authToken = "";
        public bool useTls;
        [TextArea] public string tlsRootCertificates = "";
        public int callTimeoutMs = 10000;
        public int streamTimeoutMs = 300000;

        [Header("Local host (editor window)")]
        [Tooltip("Python that has npcbridge installed, e.g. <repo>/.venv/bin/python.")]
        public string pythonPath = "python3";
        public string serveArguments = "-m npcbridge.cli serve";

        public NpcBridgeClientOptions ToOptions()
        {
            return new NpcBridgeClientOptions
            {
                Transport = transport, HttpUrl = (useTls ? "https://" : "http://") + host + ":" + httpPort,
                Address = host + ":" + port, AuthToken = authToken, Tls = useTls,
                TlsRootCertificates = tlsRootCertificates, TimeoutMs = callTimeoutMs, StreamTimeoutMs = streamTimeoutMs,
            };
        }

        /// <summary>The settings asset at Resources/NpcBridgeSettings, or defaults.</summary>
        public static NpcBridgeSettings LoadOrDefault()
        {
            var s = Resources.Load<NpcBridgeSettings>("NpcBridgeSettings");
            return s != null ? s : CreateInstance<NpcBridgeSettings>();
        }
    }
}
