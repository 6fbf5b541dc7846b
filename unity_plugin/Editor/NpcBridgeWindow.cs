using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using UnityEditor;
using UnityEngine;

namespace NpcBridge.Editor
{
    /// <summary>Window > NPC Bridge: test the connection, start/stop a local host with its log,
    /// chat with a character, upload a lore folder and search it, and generate avatars into a gallery
    /// (every expression of one face per row).</summary>
    public sealed class NpcBridgeWindow : EditorWindow
    {
        NpcBridgeClient client;
        string status = "not connected", characterId = "greta", persona = "A gruff dwarven blacksmith.", line = "Hello!";
        string sessionId, description = "a red-haired elf with green eyes";
        string collection = "lore", query = "", loreStatus = "";
        readonly StringBuilder chat = new StringBuilder(), log = new StringBuilder();
        Process hostProcess;
        bool everyExpression = true;
        readonly List<List<KeyValuePair<Texture2D, string>>> gallery = new List<List<KeyValuePair<Texture2D, string>>>();
        Vector2 scroll;

        [MenuItem("Window/NPC Bridge")]
        static void Open() { GetWindow<NpcBridgeWindow>("NPC Bridge"); }

        void OnEnable() { EditorApplication.update += Pump; }
        void OnDisable()
        {
            EditorApplication.update -= Pump;
            if (client != null) client.Dispose();
            client = null;
        }

        void Pump()
        {
            if (client != null && client.Poll() > 0) Repaint();
        }

        NpcBridgeClient Client()
        {
            if (client == null) client = new NpcBridgeClient(NpcBridgeSettingsProvider.GetOrCreate().ToOptions());
            return client;
        }

        void OnGUI()
        {
            scroll = EditorGUILayout.BeginScrollView(scroll);
            EditorGUILayout.LabelField("Connection", EditorStyles.boldLabel);
            if (GUILayout.Button("Test connection")) TestConnection();
            EditorGUILayout.HelpBox(status, MessageType.None);

            EditorGUILayout.LabelField("Local host", EditorStyles.boldLabel);
            using (new EditorGUILayout.HorizontalScope())
            {
                GUI.enabled = hostProcess == null;
                if (GUILayout.Button("Start")) StartHost();
                GUI.enabled = hostProcess != null;
                if (GUILayout.Button("Stop")) StopHost();
                GUI.enabled = true;
            }
            EditorGUILayout.TextArea(log.ToString(), GUILayout.Height(80));

            EditorGUILayout.LabelField("Chat", EditorStyles.boldLabel);
            characterId = EditorGUILayout.TextField("Character id", characterId);
            persona = EditorGUILayout.TextField("Persona", persona);
            line = EditorGUILayout.TextField("Say", line);
            if (GUILayout.Button("Send")) Send();
            EditorGUILayout.TextArea(chat.ToString(), GUILayout.Height(100));

            EditorGUILayout.LabelField("Lore", EditorStyles.boldLabel);
            collection = EditorGUILayout.TextField("Collection", collection);
            if (GUILayout.Button("Upload folder...")) UploadFolder();
            query = EditorGUILayout.TextField("Search", query);
            if (GUILayout.Button("Search")) SearchLore();
            EditorGUILayout.HelpBox(loreStatus, MessageType.None);

            EditorGUILayout.LabelField("Avatar", EditorStyles.boldLabel);
            description = EditorGUILayout.TextField("Description", description);
            everyExpression = EditorGUILayout.Toggle("Every expression", everyExpression);
            if (GUILayout.Button("Generate")) Generate();
            // The gallery: one row per generated avatar, a column per expression (same seed, same face).
            foreach (var row in gallery)
            {
                EditorGUILayout.BeginHorizontal();
                foreach (var cell in row)
                {
                    EditorGUILayout.BeginVertical(GUILayout.Width(132));
                    GUILayout.Label(cell.Key, GUILayout.Width(128), GUILayout.Height(128));
                    GUILayout.Label(cell.Value, EditorStyles.miniLabel);
                    EditorGUILayout.EndVertical();
                }
                EditorGUILayout.EndHorizontal();
            }
            EditorGUILayout.EndScrollView();
        }

        async void TestConnection()
        {
            try
            {
                var info = await Client().ConnectAsync();
                var c = info.Capabilities;
                status = "API " + info.ApiVersion + ", host " + info.RuntimeVersion + "\ndialogue " + c.Dialogue +
                         ", avatars " + c.Avatars + ", moderation " + c.Moderation + ", auth " + c.AuthRequired;
                foreach (var m in info.Models) status += "\n" + m.Kind + ": " + m.Name + " on " + m.Device;
            }
            catch (System.Exception e) { status = e.Message; }
            Repaint();
        }

        void StartHost()
        {
            var s = NpcBridgeSettingsProvider.GetOrCreate();
            var info = new ProcessStartInfo(s.pythonPath, s.serveArguments + " --port " + s.port)
            { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, CreateNoWindow = true };
            hostProcess = Process.Start(info);
            hostProcess.OutputDataReceived += (o, e) => { lock (log) log.AppendLine(e.Data); };
            hostProcess.ErrorDataReceived += (o, e) => { lock (log) log.AppendLine(e.Data); };
            hostProcess.BeginOutputReadLine();
            hostProcess.BeginErrorReadLine();
        }

        void StopHost()
        {
            if (hostProcess != null && !hostProcess.HasExited) hostProcess.Kill();
            hostProcess = null;
        }

        async void Send()
        {
            try
            {
                var c = Client();
                if (sessionId == null)
                {
                    await c.UpsertCharacterAsync(new Character { Id = characterId, Name = characterId, Persona = persona });
                    sessionId = (await c.CreateSessionAsync(characterId)).Id;
                }
                chat.Append("You: ").AppendLine(line).Append(characterId).Append(": ");
                await c.SayAsync(sessionId, line, onDelta: d => { chat.Append(d); Repaint(); });
                chat.AppendLine();
            }
            catch (System.Exception e) { chat.AppendLine("[" + e.Message + "]"); }
            Repaint();
        }

        async void UploadFolder()
        {
            var folder = EditorUtility.OpenFolderPanel("Lore folder (.txt and .md files)", "", "");
            if (string.IsNullOrEmpty(folder)) return;
            var files = new System.Collections.Generic.List<string>();
            foreach (var pattern in new[] { "*.txt", "*.md" })
                files.AddRange(System.IO.Directory.GetFiles(folder, pattern, System.IO.SearchOption.AllDirectories));
            try
            {
                const int batch = 32;  // documents per call, well under the host's max_documents
                var passages = 0;
                for (var i = 0; i < files.Count; i += batch)
                {
                    EditorUtility.DisplayProgressBar("NPC Bridge", "Uploading lore to " + collection, (float)i / files.Count);
                    var docs = new System.Collections.Generic.List<Document>();
                    foreach (var path in files.GetRange(i, System.Math.Min(batch, files.Count - i)))
                    {
                        var id = path.Substring(folder.Length).TrimStart('/', '\\').Replace('/', ':').Replace('\\', ':');
                        docs.Add(new Document { Id = System.IO.Path.ChangeExtension(id, null), Text = System.IO.File.ReadAllText(path) });
                    }
                    passages += (await Client().UpsertDocumentsAsync(collection, docs)).Passages;
                }
                loreStatus = files.Count + " documents, " + passages + " passages in " + collection;
            }
            catch (System.Exception e) { loreStatus = e.Message; }
            finally { EditorUtility.ClearProgressBar(); }
            Repaint();
        }

        async void SearchLore()
        {
            try
            {
                var text = new StringBuilder();
                foreach (var hit in await Client().SearchAsync(collection, query, 5))
                    text.Append(hit.Score.ToString("0.00")).Append("  ").Append(hit.Document.Id).Append(": ").AppendLine(hit.Document.Text);
                loreStatus = text.Length > 0 ? text.ToString() : "no passages";
            }
            catch (System.Exception e) { loreStatus = e.Message; }
            Repaint();
        }

        async void Generate()
        {
            try
            {
                var expressions = new List<string> { "" };
                if (everyExpression)
                {
                    expressions.Clear();
                    foreach (var e in await Client().ListExpressionsAsync()) expressions.Add(e.Name);
                    if (expressions.Count == 0) expressions.Add("");
                }
                var seed = (ulong)new System.Random().Next();
                var row = new List<KeyValuePair<Texture2D, string>>();
                foreach (var expression in expressions)
                {
                    var avatars = await Client().GenerateAvatarsAsync(new GenerateAvatarRequest
                        { Description = description, Count = 1, Seed = seed, Expression = expression });
                    var texture = new Texture2D(2, 2) { filterMode = FilterMode.Bilinear };
                    texture.LoadImage(avatars[0].Png);
                    row.Add(new KeyValuePair<Texture2D, string>(texture, avatars[0].Spec.Expression));
                }
                gallery.Insert(0, row);
                if (gallery.Count > 8) gallery.RemoveAt(gallery.Count - 1);
            }
            catch (System.Exception e) { status = e.Message; }
            Repaint();
        }
    }
}
