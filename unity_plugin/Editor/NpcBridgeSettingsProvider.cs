using UnityEditor;
using UnityEngine;

namespace NpcBridge.Editor
{
    /// <summary>Project Settings > NPC Bridge: edits Assets/Resources/NpcBridgeSettings.asset
    /// (created on first use), which NpcBridgeHost loads when it has no settings assigned.</summary>
    static class NpcBridgeSettingsProvider
    {
        const string AssetPath = "Assets/Resources/NpcBridgeSettings.asset";

        public static NpcBridgeSettings GetOrCreate()
        {
            var settings = AssetDatabase.LoadAssetAtPath<NpcBridgeSettings>(AssetPath);
            if (settings != null) return settings;
            if (!AssetDatabase.IsValidFolder("Assets/Resources")) AssetDatabase.CreateFolder("Assets", "Resources");
            settings = ScriptableObject.CreateInstance<NpcBridgeSettings>();
            AssetDatabase.CreateAsset(settings, AssetPath);
            AssetDatabase.SaveAssets();
            return settings;
        }

        [SettingsProvider]
        public static SettingsProvider Create()
        {
            return new SettingsProvider("Project/NPC Bridge", SettingsScope.Project)
            {
                label = "NPC Bridge",
                guiHandler = search =>
                {
                    var serialized = new SerializedObject(GetOrCreate());
                    foreach (var name in new[] { "transport", "host", "httpPort", "port", "authToken", "useTls", "tlsRootCertificates",
                                                 "callTimeoutMs", "streamTimeoutMs", "pythonPath", "serveArguments" })
                    {
                        EditorGUILayout.PropertyField(serialized.FindProperty(name));
                    }
                    serialized.ApplyModifiedProperties();
                },
                keywords = new System.Collections.Generic.HashSet<string>(new[] { "NPC", "host", "token", "timeout" }),
            };
        }
    }
}
