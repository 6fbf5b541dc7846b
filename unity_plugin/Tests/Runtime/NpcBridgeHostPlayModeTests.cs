using System.Collections;
using NUnit.Framework;
using UnityEngine;
using UnityEngine.TestTools;

namespace NpcBridge.Tests
{
    /// <summary>PlayMode: the host component owns, polls and disposes the client (Unity only).</summary>
    public class NpcBridgeHostPlayModeTests
    {
        [UnityTest]
        public IEnumerator HostComponentOwnsAndDisposesTheClient()
        {
            var go = new GameObject("npc-bridge-host");
            var settings = ScriptableObject.CreateInstance<NpcBridgeSettings>();
            settings.port = TestHost.FreePort();  // nothing listens: connecting must fail cleanly
            go.SetActive(false);
            var host = go.AddComponent<NpcBridgeHost>();
            host.settings = settings;
            host.dontDestroyOnLoad = false;
            LogAssert.ignoreFailingMessages = true;
            go.SetActive(true);
            Assert.IsNotNull(host.Client);
            yield return null;
            Object.Destroy(go);
            yield return null;
            Assert.IsNull(NpcBridgeHost.Instance);
        }
    }
}
