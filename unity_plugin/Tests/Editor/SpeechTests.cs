using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace NpcBridge.Tests
{
    /// <summary>Spoken replies and transcription against the real host, over each transport; the
    /// audio goes through VoicePlayback as NpcVoice plays it.</summary>
    [TestFixture(TransportKind.Http)]
    [TestFixture(TransportKind.NativeGrpc)]
    public class SpeechTests
    {
        readonly TransportKind transport;
        NpcBridgeClient client;

        public SpeechTests(TransportKind transport) { this.transport = transport; }

        [SetUp]
        public void SetUp()
        {
            client = new NpcBridgeClient(TestHost.Options(transport));
            TestHost.Await(client, client.ConnectAsync());
        }

        [TearDown]
        public void TearDown() { client.Dispose(); }

        [Test]
        public void SpokenReplyStreamsAudioWithVisemesThatPlaybackFollows()
        {
            var character = new Character { Id = "cs-voice-" + transport, Name = "Greta", Voice = new VoiceSettings { Name = "espeak:en-us" } };
            TestHost.Await(client, client.UpsertCharacterAsync(character));
            var session = TestHost.Await(client, client.CreateSessionAsync(character.Id, "p1")).Id;
            var chunks = new List<AudioChunk>();
            var visemes = new List<Viseme>();
            var order = new List<string>();
            var reply = TestHost.Await(client, client.SayAsync(session, "hello", onDelta: d => order.Add("text"),
                audio: true, onAudio: a => { order.Add("audio"); chunks.Add(a); }, onViseme: v => visemes.Add(v)));
            StringAssert.StartsWith("Well met", reply.Text);
            Assert.Greater(chunks.Count, 5);
            Assert.Greater(visemes.Count, 5);
            float at = 0;
            var playback = new VoicePlayback();
            foreach (var c in chunks)
            {
                Assert.AreEqual(22050, c.SampleRate);
                Assert.AreEqual(at, c.StartMs, 0.05, "chunks are contiguous on the reply's timeline");
                at += c.Pcm16.Length / 2 * 1000f / c.SampleRate;
                playback.AddAudio(c);
            }
            foreach (var v in visemes)
            {
                Assert.Less(v.StartMs, v.EndMs);
                Assert.LessOrEqual(v.EndMs, at + 1);
                Assert.AreEqual(VoicePlayback.VisemeNames[v.Id], v.Name);
                playback.AddViseme(v);
            }
            var seen = new HashSet<string>();
            var buffer = new float[441];  // 20 ms a read, as an audio thread asks
            while (playback.Speaking) { playback.Read(buffer); seen.Add(playback.Current.Name); }
            Assert.AreEqual(at, playback.PositionMs, 1.0);
            Assert.Greater(seen.Count, 4, "the mouth moves through several shapes while the reply plays");
            Assert.AreEqual("sil", playback.Current.Name);
            var plain = new List<string>();
            TestHost.Await(client, client.SayAsync(session, "hello", onAudio: a => plain.Add("audio")));
            Assert.IsEmpty(plain, "no audio unless asked for");
        }

        [Test]
        public void VoicesAndTranscription()
        {
            var voices = TestHost.Await(client, client.ListVoicesAsync());
            Assert.IsTrue(voices.Voices.Exists(v => v.Name == "espeak:en-us" && v.Backend == "espeak"));
            Assert.IsNotEmpty(voices.DefaultVoice);
            var silence = TestHost.Await(client, client.TranscribeAsync(new byte[32000], 16000));
            Assert.AreEqual("", silence.Text);
            Assert.AreEqual(0f, silence.SpeechMs);
            var e = Assert.Throws<NpcBridgeException>(() => TestHost.Await(client, client.TranscribeAsync(new byte[0], 16000)));
            Assert.AreEqual(StatusCode.InvalidArgument, e.Code);
            StringAssert.Contains("no audio", e.Message);
            var unknown = new Character { Id = "cs-mute-" + transport, Name = "Mute", Voice = new VoiceSettings { Name = "nobody" } };
            TestHost.Await(client, client.UpsertCharacterAsync(unknown));
            var session = TestHost.Await(client, client.CreateSessionAsync(unknown.Id, "p1")).Id;
            var missing = Assert.Throws<NpcBridgeException>(() => TestHost.Await(client, client.SayAsync(session, "hello", audio: true)));
            Assert.AreEqual(StatusCode.NotFound, missing.Code);
        }
    }

    /// <summary>VoicePlayback alone: the ring buffer the audio thread reads and the viseme clock.</summary>
    public class VoicePlaybackTests
    {
        static AudioChunk Chunk(short[] samples, float startMs, int rate = 1000)
        {
            var bytes = new byte[samples.Length * 2];
            for (int i = 0; i < samples.Length; i++) { bytes[2 * i] = (byte)(samples[i] & 0xff); bytes[2 * i + 1] = (byte)((samples[i] >> 8) & 0xff); }
            return new AudioChunk { Pcm16 = bytes, SampleRate = rate, Channels = 1, StartMs = startMs };
        }

        [Test]
        public void ReadsInOrderGrowsAndPadsWithSilence()
        {
            var p = new VoicePlayback(1000, seconds: 0);  // a 1-sample ring: it must grow
            p.AddAudio(Chunk(new short[] { 16384, -16384, 32767 }, 0));
            p.AddAudio(Chunk(new short[] { 8192 }, 3));
            var data = new float[4];  // two stereo frames: each sample goes to both channels
            Assert.AreEqual(2, p.Read(data, channels: 2));
            CollectionAssert.AreEqual(new[] { 0.5f, 0.5f, -0.5f, -0.5f }, data);
            data = new float[4];
            Assert.AreEqual(2, p.Read(data));
            Assert.AreEqual(32767 / 32768f, data[0], 1e-6);
            Assert.AreEqual(0.25f, data[1], 1e-6);
            Assert.AreEqual(0f, data[3]);
            Assert.AreEqual(4f, p.PositionMs, 1e-3);
            Assert.IsFalse(p.Speaking);
        }

        [Test]
        public void TheVisemeShowingFollowsWhatWasPlayed()
        {
            var p = new VoicePlayback(1000);
            p.AddAudio(Chunk(new short[100], 0));
            p.AddViseme(new Viseme { Id = 1, Name = "PP", StartMs = 10, EndMs = 30 });
            p.AddViseme(new Viseme { Id = 10, Name = "aa", StartMs = 30, EndMs = 80 });
            Assert.AreEqual("sil", p.Current.Name);
            p.Read(new float[15]);
            Assert.AreEqual("PP", p.Current.Name);
            p.Read(new float[20]);
            Assert.AreEqual("aa", p.Current.Name);
            p.Read(new float[60]);
            Assert.AreEqual("sil", p.Current.Name);
            p.Reset();
            Assert.AreEqual(0f, p.PositionMs);
            Assert.AreEqual(0, p.Buffered);
        }

        [Test]
        public void BlendMovesTowardTheCurrentShapeAndPcmRoundTrips()
        {
            var w = new float[15];
            w[1] = 100;
            VoicePlayback.Blend(w, 10, 0.05f, 1200f);  // 60 a step
            Assert.AreEqual(40f, w[1], 1e-4);
            Assert.AreEqual(60f, w[10], 1e-4);
            VoicePlayback.Blend(w, 10, 1f);
            Assert.AreEqual(0f, w[1]);
            Assert.AreEqual(100f, w[10]);
            var bytes = VoicePlayback.ToPcm16(new[] { 0.5f, -1f, 2f, 0.25f }, 3);
            CollectionAssert.AreEqual(new byte[] { 0x00, 0x40, 0x01, 0x80, 0xff, 0x7f }, bytes);
            Assert.AreEqual(15, VoicePlayback.DefaultBlendShapes.Length);
        }
    }
}
