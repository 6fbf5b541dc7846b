using UnityEngine;

namespace NpcBridge
{
    /// <summary>Where the host is and how long calls may take. Create one with
    /// Assets > Create > NPC Bridge > Settings, or edit it in Project Settings > NPC Bridge.</summary>
    [CreateAssetMenu(menuName = "NPC Bridge/Settings", fileName = "NpcBridgeSettings")]
    public sealed class NpcBridgeSettings : ScriptableObject
    {
        public string host = "127.0.0.1";
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
