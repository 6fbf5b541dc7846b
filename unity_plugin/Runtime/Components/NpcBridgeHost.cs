using UnityEngine;
using UnityEngine.Events;

namespace NpcBridge
{
    /// <summary>Owns the client for a scene (or the whole game), polls it every frame so all
    /// events arrive on the main thread, and disposes it on destroy or quit.</summary>
    [DefaultExecutionOrder(-100)]
    [AddComponentMenu("NPC Bridge/NPC Bridge Host")]
    public sealed class NpcBridgeHost : MonoBehaviour
    {
        public NpcBridgeSettings settings;
        public bool dontDestroyOnLoad = true;
        public UnityEvent onConnected = new UnityEvent();
        [System.Serializable] public class ErrorEvent : UnityEvent<string> { }
        public ErrorEvent onError = new ErrorEvent();

        public static NpcBridgeHost Instance { get; private set; }
        public NpcBridgeClient Client { get; private set; }
        public ServerInfo ServerInfo { get; private set; }

        void Awake()
        {
            if (Instance != null && Instance != this) { Destroy(gameObject); return; }
            Instance = this;
            if (dontDestroyOnLoad) DontDestroyOnLoad(gameObject);
            Client = new NpcBridgeClient((settings != null ? settings : NpcBridgeSettings.LoadOrDefault()).ToOptions());
            Client.VersionWarning += w => Debug.LogWarning("NPC Bridge: " + w);
            Connect();
        }

        async void Connect()
        {
            try
            {
#if UNITY_WEBGL && !UNITY_EDITOR
                ServerInfo = await Client.GetServerInfoAsync();  // a browser cannot block on a handshake
#else
                ServerInfo = await Client.ConnectAsync();
#endif
                onConnected.Invoke();
            }
            catch (System.Exception e)
            {
                Debug.LogError("NPC Bridge: " + e.Message);
                onError.Invoke(e.Message);
            }
        }

        void Update()
        {
            if (Client != null) Client.Poll();
        }

        void OnApplicationQuit() { Shutdown(); }
        void OnDestroy() { Shutdown(); }

        void Shutdown()
        {
            if (Instance == this) Instance = null;
            if (Client != null) Client.Dispose();
            Client = null;
        }
    }
}
