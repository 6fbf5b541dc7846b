using System.Threading.Tasks;
using UnityEngine;

namespace NpcBridge
{
    /// <summary>
    /// Gives an NpcCharacter a voice: its replies are spoken (SayRequest.audio), streamed through an
    /// AudioSource as they arrive (a streaming AudioClip read by PCMReaderCallback from a ring buffer),
    /// and its face's viseme blend shapes follow the mouth shapes timed against that audio. Push-to-talk
    /// records the microphone, transcribes it on the host and says it to the character.
    /// </summary>
    [RequireComponent(typeof(AudioSource))]
    public sealed class NpcVoice : MonoBehaviour
    {
        [Tooltip("The face whose blend shapes show the visemes (optional).")]
        public SkinnedMeshRenderer face;
        [Tooltip("Blend shape name for each viseme, in the order sil, PP, FF, TH, DD, kk, CH, SS, nn, RR, aa, E, ih, oh, ou.")]
        public string[] blendShapes = (string[])VoicePlayback.DefaultBlendShapes.Clone();
        [Tooltip("How fast the mouth moves between shapes (full range per second).")]
        public float blendSpeed = 1200f;
        [Tooltip("Hold this key to talk to the character (KeyCode.None: call StartListening/StopListening).")]
        public KeyCode pushToTalk = KeyCode.None;
        public int microphoneSeconds = 15;

        readonly VoicePlayback playback = new VoicePlayback();
        readonly float[] weights = new float[15];
        int[] shapeIndex;
        AudioSource source;
        AudioClip recording;

        /// <summary>The buffer the character's audio and visemes go to (NpcCharacter feeds it).</summary>
        public VoicePlayback Playback { get { return playback; } }

        void Awake()
        {
            source = GetComponent<AudioSource>();
            shapeIndex = new int[blendShapes.Length];
            for (int i = 0; i < blendShapes.Length; i++)
                shapeIndex[i] = face != null ? face.sharedMesh.GetBlendShapeIndex(blendShapes[i]) : -1;
        }

        /// <summary>Starts a new reply's audio at 0 ms; creates the streaming clip at the voice's rate.</summary>
        public void BeginReply(int sampleRate)
        {
            playback.Reset();
            if (source.clip == null || source.clip.frequency != sampleRate)
            {
                // A long looping stream clip: Unity keeps asking OnAudioRead for samples, silence when none are queued.
                source.clip = AudioClip.Create("npc-voice", sampleRate * 60, 1, sampleRate, true, OnAudioRead);
                source.loop = true;
            }
            if (!source.isPlaying) source.Play();
        }

        public void OnAudio(AudioChunk chunk)
        {
            if (playback.PositionMs == 0 && playback.Buffered == 0) BeginReply(chunk.SampleRate);
            playback.AddAudio(chunk);
        }

        public void OnViseme(Viseme viseme) { playback.AddViseme(viseme); }

        void OnAudioRead(float[] data) { playback.Read(data, 1); }  // the audio thread

        void Update()
        {
            VoicePlayback.Blend(weights, playback.Current.Id, Time.deltaTime, blendSpeed);
            if (face != null)
                for (int i = 0; i < shapeIndex.Length && i < weights.Length; i++)
                    if (shapeIndex[i] >= 0) face.SetBlendShapeWeight(shapeIndex[i], weights[i]);
            if (pushToTalk != KeyCode.None)
            {
                if (Input.GetKeyDown(pushToTalk)) StartListening();
                if (Input.GetKeyUp(pushToTalk)) StopListening();
            }
        }

        /// <summary>Starts recording the default microphone at 16 kHz (what Transcribe prefers).</summary>
        public void StartListening()
        {
            recording = Microphone.Start(null, false, microphoneSeconds, 16000);
        }

        /// <summary>Stops recording; the speech is transcribed and said to this NPC's NpcCharacter.</summary>
        public async void StopListening()
        {
            if (recording == null) return;
            int length = Microphone.GetPosition(null);
            Microphone.End(null);
            var samples = new float[recording.samples * recording.channels];
            recording.GetData(samples, 0);
            recording = null;
            var text = await Transcribe(VoicePlayback.ToPcm16(samples, length), 16000);
            var character = GetComponent<NpcCharacter>();
            if (!string.IsNullOrEmpty(text) && character != null) character.Say(text);
        }

        static async Task<string> Transcribe(byte[] pcm16, int rate)
        {
            var client = NpcBridgeHost.Instance != null ? NpcBridgeHost.Instance.Client : null;
            if (client == null || pcm16.Length == 0) return "";
            return (await client.TranscribeAsync(pcm16, rate)).Text;
        }
    }
}
