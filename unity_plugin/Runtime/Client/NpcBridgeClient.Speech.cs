using System.Threading;
using System.Threading.Tasks;

namespace NpcBridge
{
    /// <summary>Speech: the host's voices and the player's speech as text.</summary>
    public sealed partial class NpcBridgeClient
    {
        /// <summary>The voices this host speaks with (Character.Voice.Name), and the default one.</summary>
        public Task<ListVoicesResponse> ListVoicesAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<ListVoicesRequest, ListVoicesResponse>("ListVoices", new ListVoicesRequest(), cancellationToken);
        }

        /// <summary>
        /// What the player said: PCM16 mono little-endian samples (16 kHz preferred; 8-48 kHz are
        /// resampled) as moderated text with word timings. Silence comes back as empty text.
        /// </summary>
        public Task<Transcript> TranscribeAsync(byte[] pcm16, int sampleRate, string safetyPolicy = "",
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<AudioInput, Transcript>("Transcribe",
                new AudioInput { Pcm16 = pcm16, SampleRate = sampleRate, SafetyPolicy = safetyPolicy ?? "" }, cancellationToken);
        }

        /// <summary>An audio event as an AudioChunk: the samples travel beside its JSON.</summary>
        internal static AudioChunk AudioOf(EventMessage e)
        {
            var chunk = Json.Parse<AudioChunk>(e.Json);
            chunk.Pcm16 = e.Data ?? new byte[0];
            return chunk;
        }
    }
}
