using System;
using System.Runtime.Serialization;

namespace NpcBridge
{
    /// <summary>How the HTTP face's answers become the events both transports deliver: SSE data lines
    /// of Say and Generate, and error bodies (the host's JSON, or a balancer's own page).</summary>
    internal sealed partial class HttpTransport
    {
        internal static EventMessage DialogueEvent(string data, ulong callId)
        {
            var e = Json.Parse<DialogueEvent>(data);
            var m = new EventMessage { RequestId = callId };
            if (e.Started != null) { m.Type = EventType.Started; m.Json = Json.Write(e.Started); }
            else if (e.TextDelta != null) { m.Type = EventType.TextDelta; m.Text = e.TextDelta.Text; }
            else if (e.Moderation != null) { m.Type = EventType.Moderation; m.Json = Json.Write(e.Moderation); }
            else if (e.Completed != null) { m.Type = EventType.Completed; m.Json = Json.Write(e.Completed); }
            else if (e.Emotion != null) { m.Type = EventType.Emotion; m.Json = Json.Write(e.Emotion); }
            else if (e.Action != null) { m.Type = EventType.Action; m.Json = Json.Write(e.Action); }
            else if (e.Audio != null)
            {
                // As the native transport delivers it: the samples as Data, the rest as JSON.
                m.Type = EventType.Audio;
                m.Data = e.Audio.Pcm16;
                m.Json = Json.Write(new AudioChunk { SampleRate = e.Audio.SampleRate, Channels = e.Audio.Channels, StartMs = e.Audio.StartMs });
            }
            else if (e.Viseme != null) { m.Type = EventType.Viseme; m.Text = e.Viseme.Name; m.Json = Json.Write(e.Viseme); }
            else m.Type = EventType.Result;  // a kind this client does not know yet: ignored by the call
            return m;
        }

        internal static EventMessage AvatarEvent(string data, ulong callId)
        {
            var e = Json.Parse<AvatarEvent>(data);
            var m = new EventMessage { RequestId = callId };
            if (e.Progress != null)
            {
                m.Type = EventType.AvatarProgress;
                m.ProgressCompleted = e.Progress.Completed;
                m.ProgressTotal = e.Progress.Total;
            }
            else if (e.Avatar != null)
            {
                m.Type = EventType.Avatar;
                m.Data = e.Avatar.Png;
                m.Json = Json.Write(e.Avatar);
            }
            else m.Type = EventType.Result;
            return m;
        }

        [DataContract]
        sealed class ErrorBody
        {
            [DataMember(Name = "code")] public string Code = "";
            [DataMember(Name = "message")] public string Message = "";
        }

        internal static EventMessage ErrorEvent(string body, int httpStatus)
        {
            var code = StatusCode.Unknown;
            var message = "HTTP " + httpStatus;
            try
            {
                var error = Json.Parse<ErrorBody>(body);
                message = error.Message;
                var name = (error.Code ?? "").Replace("_", "");
                foreach (StatusCode value in Enum.GetValues(typeof(StatusCode)))
                    if (string.Equals(value.ToString(), name, StringComparison.OrdinalIgnoreCase)) code = value;
            }
            catch (SerializationException) { message += ": " + body; }
            // A balancer or proxy answers in its own words: its status says what happened.
            if (code == StatusCode.Unknown && (httpStatus == 502 || httpStatus == 503)) code = StatusCode.Unavailable;
            if (code == StatusCode.Unknown && httpStatus == 504) code = StatusCode.DeadlineExceeded;
            return new EventMessage { Type = EventType.Error, Code = code, Text = message };
        }
    }
}
