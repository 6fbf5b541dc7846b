using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace NpcBridge.Tests
{
    /// <summary>The C# client driving the real host, once over each transport: the HTTP face
    /// (managed, the default) and gRPC through the native library. The same tests, the same
    /// answers. Runs under NUnit in Mono (CI) and as Unity EditMode tests.</summary>
    [TestFixture(TransportKind.Http)]
    [TestFixture(TransportKind.NativeGrpc)]
    public class NpcBridgeClientTests
    {
        readonly TransportKind transport;
        NpcBridgeClient client;

        public NpcBridgeClientTests(TransportKind transport)
        {
            this.transport = transport;
        }

        [SetUp]
        public void SetUp()
        {
            client = new NpcBridgeClient(TestHost.Options(transport));
            TestHost.Await(client, client.ConnectAsync());
        }

        [TearDown]
        public void TearDown()
        {
            client.Dispose();
        }

        string NewSession(string id)
        {
            TestHost.Await(client, client.UpsertCharacterAsync(new Character { Id = id, Name = "Greta", Persona = "A gruff smith." }));
            return TestHost.Await(client, client.CreateSessionAsync(id, "p1")).Id;
        }

        static StatusCode CodeOf(Action action)
        {
            var e = Assert.Throws<NpcBridgeException>(() => action());
            return e.Code;
        }

        [Test]
        public void HandshakeReportsVersionAndCapabilities()
        {
            var info = TestHost.Await(client, client.ConnectAsync());
            Assert.AreEqual("1.0.0", info.ApiVersion);
            Assert.IsTrue(info.Capabilities.Dialogue && info.Capabilities.Avatars && info.Capabilities.Moderation);
            Assert.AreEqual(16, info.Limits.MaxAvatarCount);
            Assert.AreEqual("1.0.0", NpcBridgeClient.ApiVersion);
        }

        [Test]
        public void EveryContractFieldReachesCSharp()
        {
            var info = TestHost.Await(client, client.ConnectAsync());
            Assert.IsTrue(info.Capabilities.StreamingModeration);  // one of the flags the old mirror lacked
            Assert.IsNotEmpty(info.Models[0].Backend);
            Assert.Greater(info.Limits.MaxContextTokens, 0);
            var character = new Character
            {
                Name = "Wren", Persona = "A ferry keeper.", Greeting = "Mind the gap.", SafetyPolicy = "teen",
                Deflections = new List<string> { "The river does not care for such talk." },
            };
            var stored = TestHost.Await(client, client.UpsertCharacterAsync(character));
            Assert.IsNotEmpty(stored.Id);  // assigned by the host
            var got = TestHost.Await(client, client.GetCharacterAsync(stored.Id));
            Assert.AreEqual("Mind the gap.", got.Greeting);
            Assert.AreEqual(character.Deflections, got.Deflections);
            var session = TestHost.Await(client, client.CreateSessionAsync(stored.Id, "p9"));
            Assert.Greater(session.CreatedAtMs, 1600000000000L);  // int64: a JSON string in the mapping
        }

        [Test]
        public void CharactersAndSessions()
        {
            var stored = TestHost.Await(client, client.UpsertCharacterAsync(new Character
            { Id = "cs-bram", Name = "Bram", Persona = "An innkeeper.", Knowledge = new List<string> { "The well is dry." } }));
            Assert.AreEqual("Bram", stored.Name);
            Assert.AreEqual("The well is dry.", TestHost.Await(client, client.GetCharacterAsync("cs-bram")).Knowledge[0]);
            Assert.IsTrue(TestHost.Await(client, client.ListCharactersAsync()).Exists(c => c.Id == "cs-bram"));
            var session = TestHost.Await(client, client.CreateSessionAsync("cs-bram", "p2"));
            Assert.AreEqual("cs-bram", TestHost.Await(client, client.GetSessionAsync(session.Id)).CharacterId);
            TestHost.Await(client, client.DeleteSessionAsync(session.Id));
            Assert.AreEqual(StatusCode.NotFound, CodeOf(() => TestHost.Await(client, client.GetSessionAsync(session.Id))));
            TestHost.Await(client, client.DeleteCharacterAsync("cs-bram"));
            Assert.AreEqual(StatusCode.NotFound, CodeOf(() => TestHost.Await(client, client.GetCharacterAsync("cs-bram"))));
        }

        [Test]
        public void SayDeliversDeltasOnlyOnPoll()
        {
            var session = NewSession("cs-say");
            var deltas = new List<string>();
            var raised = 0;
            client.TextDelta += (id, text) => raised++;
            var task = client.SayAsync(session, "hello", new GenerationParams { MaxTokens = 32 }, onDelta: deltas.Add, priority: 5);
            Thread.Sleep(500);  // the reply streams meanwhile, but nothing runs until Poll
            Assert.AreEqual(0, deltas.Count);
            Assert.IsFalse(task.IsCompleted);
            var thread = Thread.CurrentThread.ManagedThreadId;
            var reply = TestHost.Await(client, task);
            Assert.AreEqual(thread, Thread.CurrentThread.ManagedThreadId);
            Assert.AreEqual("Well met, traveller. I am Greta.", string.Concat(deltas.ToArray()));
            Assert.AreEqual(reply.Text, string.Concat(deltas.ToArray()));
            Assert.AreEqual(deltas.Count, raised);
            Assert.Greater(reply.Usage.CompletionTokens, 0);
            Assert.AreEqual(2, TestHost.Await(client, client.GetSessionAsync(session)).Turns.Count);
        }

        [Test]
        public void EmotionComesBeforeTextAndActionsAreChecked()
        {
            var give = new ActionSpec { Name = "give_item", Description = "hand the player an item",
                ParametersSchema = "{\"type\": \"object\", \"properties\": {\"item\": {\"enum\": [\"sword\"]}}}" };
            var character = new Character { Id = "cs-acts", Name = "Greta" };
            character.Actions.Add(give);
            TestHost.Await(client, client.UpsertCharacterAsync(character));
            var session = TestHost.Await(client, client.CreateSessionAsync("cs-acts", "p1")).Id;
            var order = new List<string>();
            Emotion emotion = null;
            ActionCall call = null;
            var raised = new List<string>();
            client.EmotionShown += (id, e) => raised.Add("emotion:" + e.Label);
            client.ActionCalled += (id, a) => raised.Add("action:" + a.Name);
            var reply = TestHost.Await(client, client.SayAsync(session, "a sword please", onDelta: d => order.Add("text"),
                onEmotion: e => { order.Add("emotion"); emotion = e; }, onAction: a => { order.Add("action"); call = a; }));
            Assert.AreEqual("emotion", order[0]);
            Assert.AreEqual("happy", emotion.Label);
            Assert.AreEqual("give_item", call.Name);
            StringAssert.Contains("sword", call.ArgumentsJson);
            Assert.AreEqual(1, reply.Actions.Count);
            Assert.AreEqual(call.Id, reply.Actions[0].Id);
            Assert.AreEqual("happy", reply.Emotion.Label);
            CollectionAssert.AreEqual(new[] { "emotion:happy", "action:give_item" }, raised);
        }

        [Test]
        public void KnowledgeUpsertSearchAndNotFound()
        {
            var docs = new List<Document>
            {
                new Document { Id = "inn", Text = "The Golden Goose is an inn; a room costs three silver." },
                new Document { Id = "wolf", Text = "Thornwood wolves fear the smell of burning juniper." },
            };
            Assert.AreEqual(2, TestHost.Await(client, client.UpsertDocumentsAsync("cs-lore", docs)).Upserted);
            var hits = TestHost.Await(client, client.SearchAsync("cs-lore", "What keeps wolves away?", 1));
            Assert.AreEqual("wolf", hits[0].Document.Id);
            Assert.IsTrue(TestHost.Await(client, client.ListCollectionsAsync()).Exists(c => c.Name == "cs-lore"));
            Assert.AreEqual(1, TestHost.Await(client, client.DeleteDocumentsAsync("cs-lore", new[] { "inn" })));
            Assert.AreEqual(StatusCode.NotFound, CodeOf(() => TestHost.Await(client, client.SearchAsync("nowhere", "x"))));
        }

        [Test]
        public void MemoryRelationshipAndForgetPlayer()
        {
            TestHost.Await(client, client.UpsertCharacterAsync(new Character { Id = "cs-mem", Name = "Greta" }));
            var session = TestHost.Await(client, client.CreateSessionAsync("cs-mem", "cs-player")).Id;
            TestHost.Await(client, client.SayAsync(session, "hello, my name is Rowan"));
            var memories = TestHost.Await(client, client.ListMemoriesAsync("cs-player", "cs-mem"));
            Assert.AreEqual("The player's name is Rowan.", memories[0].Text);
            var added = TestHost.Await(client, client.AddMemoryAsync(new MemoryItem
                { PlayerId = "cs-player", CharacterId = "cs-mem", Text = "The player owes you a favour.", Importance = 0.6f }));
            StringAssert.StartsWith("mem_", added.Id);
            var set = TestHost.Await(client, client.SetRelationshipAsync(new Relationship
                { PlayerId = "cs-player", CharacterId = "cs-mem", Affinity = 0.5f, Trust = 0.1f }));
            Assert.AreEqual(0.5f, set.Affinity, 1e-6);
            Assert.AreEqual(1, TestHost.Await(client, client.GetRelationshipAsync("cs-player", "cs-mem")).Interactions);
            Assert.AreEqual(StatusCode.InvalidArgument, CodeOf(() => TestHost.Await(client, client.SetRelationshipAsync(new Relationship
                { PlayerId = "cs-player", CharacterId = "cs-mem", Affinity = 3f }))));
            var gone = TestHost.Await(client, client.ForgetPlayerAsync("cs-player"));
            Assert.AreEqual(1, gone.Sessions);
            Assert.AreEqual(0, TestHost.Await(client, client.ListMemoriesAsync("cs-player")).Count);
        }

        [Test]
        public void CancelMidStream()
        {
            var session = NewSession("cs-cancel");
            var cts = new CancellationTokenSource();
            var deltas = 0;
            var task = client.SayAsync(session, "tell me a story", onDelta: d => { if (++deltas == 3) cts.Cancel(); },
                cancellationToken: cts.Token);
            Assert.Throws<TaskCanceledException>(() => TestHost.Await(client, task));
            Assert.Less(deltas, 100);
            Assert.AreEqual(0, TestHost.Await(client, client.GetSessionAsync(session)).Turns.Count);
        }

        [Test]
        public void Avatars()
        {
            var attributes = TestHost.Await(client, client.ListAttributesAsync());
            Assert.AreEqual("species", attributes[0].Name);
            var seen = 0;
            var avatars = TestHost.Await(client, client.GenerateAvatarsAsync(
                new GenerateAvatarRequest { Description = "a red-haired elf", Count = 2, Seed = 5 }, a => seen++));
            Assert.AreEqual(2, avatars.Count);
            Assert.AreEqual(2, seen);
            Assert.AreEqual(5UL, avatars[0].Seed);
            Assert.AreEqual(6UL, avatars[1].Seed);
            Assert.AreEqual("elf", avatars[0].Spec.Attributes["species"]);
            Assert.AreEqual("red", avatars[0].Spec.Attributes["hair_color"]);
            Assert.IsTrue(avatars[0].Spec.MorphTargets.ContainsKey("jawOpen"));
            Assert.AreEqual(0x89, avatars[0].Png[0]);
            Assert.AreEqual((byte)'P', avatars[0].Png[1]);
            var again = TestHost.Await(client, client.GenerateAvatarsAsync(new GenerateAvatarRequest { Description = "a red-haired elf", Count = 1, Seed = 5 }));
            Assert.AreEqual(avatars[0].Png, again[0].Png);  // same request and seed, same bytes
            Assert.AreEqual("neutral", avatars[0].Spec.Expression);
        }

        [Test]
        public void AvatarExpressionsDriveTheFace()
        {
            var expressions = TestHost.Await(client, client.ListExpressionsAsync());
            CollectionAssert.AreEqual(new[] { "neutral", "happy", "sad", "angry", "afraid", "surprised", "disgusted" },
                expressions.ConvertAll(x => x.Name));
            var angry = TestHost.Await(client, client.GenerateAvatarsAsync(
                new GenerateAvatarRequest { Description = "an orc", Count = 1, Seed = 9, Expression = "angry" }))[0];
            var calm = TestHost.Await(client, client.GenerateAvatarsAsync(
                new GenerateAvatarRequest { Description = "an orc", Count = 1, Seed = 9 }))[0];
            Assert.AreEqual("angry", angry.Spec.Expression);
            Assert.AreEqual(calm.Latent, angry.Latent);  // one identity, two expressions
            Assert.AreNotEqual(calm.Png, angry.Png);
            Assert.Greater(angry.Spec.MorphTargets["browDownLeft"], 0.5f);
            var face = new FaceExpressions(expressions);
            var happy = face.WeightsFor(calm.Spec.MorphTargets, "happy", 1f);
            Assert.AreEqual(0.9f, happy["mouthSmileLeft"], 1e-4);
            Assert.AreEqual(calm.Spec.MorphTargets["earPoint"], happy["earPoint"]);  // face shape kept
            var e = Assert.Throws<NpcBridgeException>(() => TestHost.Await(client, client.GenerateAvatarsAsync(
                new GenerateAvatarRequest { Count = 1, Expression = "smug" })));
            Assert.AreEqual(StatusCode.InvalidArgument, e.Code);
            StringAssert.Contains("valid expressions: neutral, happy", e.Message);
        }

        [Test]
        public void FaceExpressionsBlendByIntensityAndRelease()
        {
            var face = new FaceExpressions(new[]
            {
                new Expression { Name = "neutral" },
                new Expression { Name = "angry", MorphTargets = new Dictionary<string, float> { { "browDownLeft", 0.8f } } },
                new Expression { Name = "happy", MorphTargets = new Dictionary<string, float> { { "mouthSmileLeft", 1f } } },
            });
            var rest = new Dictionary<string, float> { { "mouthSmileLeft", 0.2f }, { "faceWidth", 0.6f } };
            var half = face.WeightsFor(rest, "Happy", 0.5f);
            Assert.AreEqual(0.6f, half["mouthSmileLeft"], 1e-5);
            Assert.AreEqual(0f, half["browDownLeft"]);  // released: not this expression's
            Assert.AreEqual(0.6f, half["faceWidth"]);
            Assert.AreEqual(0.8f, face.WeightsFor(rest, "angry", 2f)["browDownLeft"], 1e-5);  // intensity clamped
            var unknown = face.WeightsFor(rest, "smug", 1f);
            Assert.AreEqual(0.2f, unknown["mouthSmileLeft"], 1e-5);
            Assert.AreEqual(0f, unknown["browDownLeft"]);
            Assert.AreEqual(3, face.Names.Count);
        }

        [Test]
        public void Moderation()
        {
            var r = TestHost.Await(client, client.CheckAsync("this damn door is shit", "everyone"));
            Assert.IsTrue(r.Flagged);
            Assert.AreEqual("MASK", r.Action);
            Assert.AreEqual("this **** door is ****", r.MaskedText);
            var batch = TestHost.Await(client, client.CheckBatchAsync(new[] { "hello", "mail bob@example.com" }, "teen", "player"));
            Assert.AreEqual("ALLOW", batch[0].Action);
            Assert.AreEqual("MASK", batch[1].Action);
        }

        [Test]
        public void BadInputGivesStatusCodes()
        {
            Assert.AreEqual(StatusCode.NotFound, CodeOf(() => TestHost.Await(client, client.GetCharacterAsync("nobody"))));
            Assert.AreEqual(StatusCode.InvalidArgument, CodeOf(() => TestHost.Await(client, client.CheckAsync("x", "no-such-policy"))));
            Assert.AreEqual(StatusCode.NotFound, CodeOf(() => TestHost.Await(client, client.SayAsync("no-such-session", "hello"))));
            Assert.IsNotNull(TestHost.Await(client, client.ListAdaptersAsync()));
            Assert.AreEqual(StatusCode.NotFound, CodeOf(() => TestHost.Await(client, client.UpsertCharacterAsync(
                new Character { Name = "Magda", Adapter = "no-such-adapter" }))));
            Assert.AreEqual(StatusCode.InvalidArgument, CodeOf(() => TestHost.Await(client, client.CreateSessionAsync(null))));
            var e = Assert.Throws<NpcBridgeException>(() => TestHost.Await(client, client.GenerateAvatarsAsync(
                new GenerateAvatarRequest { Attributes = new Dictionary<string, string> { { "species", "dragon" } } })));
            Assert.AreEqual(StatusCode.InvalidArgument, e.Code);
            StringAssert.Contains("human, elf, dwarf, orc", e.Message);
            var port = TestHost.FreePort();
            using (var nowhere = new NpcBridgeClient(new NpcBridgeClientOptions
                { Transport = transport, Address = "127.0.0.1:" + port, HttpUrl = "http://127.0.0.1:" + port, TimeoutMs = 1000 }))
            {
                var failed = Assert.Throws<NpcBridgeException>(() => TestHost.Await(nowhere, nowhere.ConnectAsync()));
                Assert.AreEqual(StatusCode.ConnectionFailed, failed.Code);
            }
            Assert.Throws<NpcBridgeException>(() => new NpcBridgeClient(new NpcBridgeClientOptions { Transport = transport, TimeoutMs = -1 }));
        }

        [Test]
        public void HostDownThenBackWithoutRecreatingTheClient()
        {
            int port = TestHost.FreePort(), httpPort = TestHost.FreePort();
            var host = TestHost.Spawn(port, httpPort);
            var options = new NpcBridgeClientOptions
                { Transport = transport, Address = "127.0.0.1:" + port, HttpUrl = "http://127.0.0.1:" + httpPort, TimeoutMs = 1000 };
            using (var other = new NpcBridgeClient(options))
            {
                var seen = new List<ConnectionState>();
                other.ConnectionChanged += seen.Add;
                TestHost.Await(other, other.ConnectAsync());
                host.Kill();
                host.WaitForExit();
                Assert.AreEqual(StatusCode.Unavailable, CodeOf(() => TestHost.Await(other, other.ListCharactersAsync())));
                host = TestHost.Spawn(port, httpPort);
                try
                {
                    var back = false;
                    for (var i = 0; i < 100 && !back; i++)  // each transport's backoff reconnects by itself
                    {
                        try { TestHost.Await(other, other.ListCharactersAsync()); back = true; }
                        catch (NpcBridgeException) { Thread.Sleep(100); }
                    }
                    Assert.IsTrue(back, "no answer after the host came back");
                    for (var i = 0; i < 50 && other.State != ConnectionState.Ready; i++) Thread.Sleep(50);
                    Assert.AreEqual(ConnectionState.Ready, other.State);
                    other.Poll();
                    CollectionAssert.Contains(seen, ConnectionState.TransientFailure);
                    Assert.AreEqual(ConnectionState.Ready, seen[seen.Count - 1]);
                }
                finally
                {
                    host.Kill();
                }
            }
        }

        [Test]
        public void DisposeWhileAStreamRuns()
        {
            var session = NewSession("cs-dispose");
            var task = client.SayAsync(session, "tell me a story");
            client.WaitForEvent(2000);
            client.Poll();
            client.Dispose();
            Assert.IsTrue(task.IsCanceled);
            Assert.Throws<ObjectDisposedException>(() => client.SayAsync(session, "hello"));
        }
    }
}
