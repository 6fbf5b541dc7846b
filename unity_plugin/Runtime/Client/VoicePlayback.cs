using System;
using System.Collections.Generic;

namespace NpcBridge
{
    /// <summary>
    /// A spoken reply on its way to the speakers: PCM16 chunks go into a ring buffer as they arrive
    /// (game thread), the audio thread reads floats out of it (Unity's PCMReaderCallback), and the
    /// viseme showing is the one whose time span holds the samples played so far. Engine-independent,
    /// so NpcVoice stays a thin MonoBehaviour and this is tested outside Unity.
    /// </summary>
    public sealed class VoicePlayback
    {
        readonly object gate = new object();
        float[] ring;
        int head, count;           // the next sample to read, and how many are buffered
        long played;               // samples handed to the speakers since Reset
        readonly List<Viseme> visemes = new List<Viseme>();
        int visemeAt;              // visemes before this index have ended

        /// <param name="sampleRate">The clip's rate; chunks of the voice's rate set it when nothing is buffered.</param>
        public VoicePlayback(int sampleRate = 22050, int seconds = 10)
        {
            SampleRate = sampleRate;
            ring = new float[Math.Max(1, sampleRate * seconds)];
        }

        public int SampleRate { get; private set; }

        /// <summary>Samples waiting to be played.</summary>
        public int Buffered { get { lock (gate) return count; } }

        /// <summary>Where playback is on the reply's audio timeline, in ms (what Viseme times refer to).</summary>
        public float PositionMs { get { lock (gate) return played * 1000f / SampleRate; } }

        /// <summary>True while there is audio left to play.</summary>
        public bool Speaking { get { return Buffered > 0; } }

        /// <summary>Forgets everything buffered: a new reply starts at 0 ms.</summary>
        public void Reset()
        {
            lock (gate)
            {
                head = count = 0;
                played = 0;
                visemes.Clear();
                visemeAt = 0;
            }
        }

        /// <summary>Queues a chunk's samples (PCM16 mono little-endian); the buffer grows if needed.</summary>
        public void AddAudio(AudioChunk chunk)
        {
            var pcm = chunk.Pcm16;
            int n = pcm.Length / 2;
            lock (gate)
            {
                if (count == 0 && played == 0 && chunk.SampleRate > 0) SampleRate = chunk.SampleRate;
                if (count + n > ring.Length) Grow(count + n);
                int tail = (head + count) % ring.Length;
                for (int i = 0; i < n; i++)
                {
                    ring[tail] = (short)(pcm[2 * i] | (pcm[2 * i + 1] << 8)) / 32768f;
                    tail = tail + 1 == ring.Length ? 0 : tail + 1;
                }
                count += n;
            }
        }

        /// <summary>Queues a mouth shape (they arrive in time order).</summary>
        public void AddViseme(Viseme viseme)
        {
            lock (gate) visemes.Add(viseme);
        }

        /// <summary>
        /// Fills <paramref name="data"/> (interleaved, <paramref name="channels"/> a frame) with the next
        /// samples, silence where none have arrived yet; returns the frames of real audio. Called on the
        /// audio thread.
        /// </summary>
        public int Read(float[] data, int channels = 1)
        {
            int frames = data.Length / Math.Max(1, channels), real;
            lock (gate)
            {
                real = Math.Min(frames, count);
                for (int f = 0; f < real; f++)
                {
                    float s = ring[head];
                    head = head + 1 == ring.Length ? 0 : head + 1;
                    for (int c = 0; c < channels; c++) data[f * channels + c] = s;
                }
                count -= real;
                played += real;
            }
            for (int i = real * channels; i < data.Length; i++) data[i] = 0f;
            return real;
        }

        /// <summary>The viseme showing at the playback position: "sil" between and after them.</summary>
        public Viseme Current
        {
            get
            {
                lock (gate)
                {
                    float at = played * 1000f / SampleRate;
                    while (visemeAt < visemes.Count && visemes[visemeAt].EndMs <= at) visemeAt++;
                    if (visemeAt < visemes.Count && visemes[visemeAt].StartMs <= at) return visemes[visemeAt];
                    return Silence;
                }
            }
        }

        static readonly Viseme Silence = new Viseme { Id = 0, Name = "sil" };

        void Grow(int needed)
        {
            var bigger = new float[Math.Max(needed, ring.Length * 2)];
            for (int i = 0; i < count; i++) bigger[i] = ring[(head + i) % ring.Length];
            ring = bigger;
            head = 0;
        }

        /// <summary>
        /// Moves blend-shape weights (0-100, one per viseme id) toward the current viseme: its weight
        /// rises to 100, the others fall to 0, at <paramref name="perSecond"/> (full range) a second.
        /// </summary>
        public static void Blend(float[] weights, int currentId, float deltaSeconds, float perSecond = 1200f)
        {
            float step = perSecond * deltaSeconds;
            for (int i = 0; i < weights.Length; i++)
            {
                float target = i == currentId ? 100f : 0f;
                weights[i] = weights[i] < target ? Math.Min(target, weights[i] + step) : Math.Max(target, weights[i] - step);
            }
        }

        /// <summary>The 15 visemes in Viseme.Id order, and the blend shapes rigs usually name them
        /// (Oculus/Ready Player Me: viseme_sil ... viseme_U).</summary>
        public static readonly string[] VisemeNames = { "sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou" };
        public static readonly string[] DefaultBlendShapes =
        {
            "viseme_sil", "viseme_PP", "viseme_FF", "viseme_TH", "viseme_DD", "viseme_kk", "viseme_CH", "viseme_SS",
            "viseme_nn", "viseme_RR", "viseme_aa", "viseme_E", "viseme_I", "viseme_O", "viseme_U",
        };

        /// <summary>PCM16 little-endian bytes of float samples in [-1, 1] (a microphone's, for Transcribe).</summary>
        public static byte[] ToPcm16(float[] samples, int length = -1)
        {
            int n = length < 0 ? samples.Length : Math.Min(length, samples.Length);
            var bytes = new byte[n * 2];
            for (int i = 0; i < n; i++)
            {
                var v = (short)Math.Max(short.MinValue, Math.Min(short.MaxValue, Math.Round(samples[i] * 32767f)));
                bytes[2 * i] = (byte)(v & 0xff);
                bytes[2 * i + 1] = (byte)((v >> 8) & 0xff);
            }
            return bytes;
        }
    }
}
