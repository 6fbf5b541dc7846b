using System.Collections.Generic;
using System.Runtime.Serialization;

// Data classes for the v1 contract as the native client's JSON carries it
// (protobuf's JSON mapping with the .proto field names). 64-bit integers travel
// as JSON strings in that mapping, enums as their names.
namespace NpcBridge
{
    [DataContract]
    public sealed class Capabilities
    {
        [DataMember(Name = "dialogue")] public bool Dialogue;
        [DataMember(Name = "avatars")] public bool Avatars;
        [DataMember(Name = "moderation")] public bool Moderation;
        [DataMember(Name = "streaming_moderation")] public bool StreamingModeration;
        [DataMember(Name = "auth_required")] public bool AuthRequired;
        [DataMember(Name = "tls")] public bool Tls;
        [DataMember(Name = "persistent_sessions")] public bool PersistentSessions;
        [DataMember(Name = "priority")] public bool Priority;
    }

    [DataContract]
    public sealed class ModelInfo
    {
        [DataMember(Name = "name")] public string Name;
        [DataMember(Name = "kind")] public string Kind;
        [DataMember(Name = "device")] public string Device;
        [DataMember(Name = "dtype")] public string Dtype;
        [DataMember(Name = "context_length")] public int ContextLength;
        [DataMember(Name = "backend")] public string Backend;
    }

    /// <summary>The handshake answer: versions, capabilities, models and limits.</summary>
    [DataContract]
    public sealed class ServerInfo
    {
        [DataMember(Name = "api_version")] public string ApiVersion;
        [DataMember(Name = "runtime_version")] public string RuntimeVersion;
        [DataMember(Name = "capabilities")] public Capabilities Capabilities;
        [DataMember(Name = "models")] public List<ModelInfo> Models;
        [DataMember(Name = "limits")] public Dictionary<string, int> Limits;
    }

    /// <summary>An NPC definition the host stores and builds prompts from.</summary>
    [DataContract]
    public sealed class Character
    {
        [DataMember(Name = "id")] public string Id = "";
        [DataMember(Name = "name")] public string Name = "";
        [DataMember(Name = "persona")] public string Persona = "";
        [DataMember(Name = "backstory")] public string Backstory = "";
        [DataMember(Name = "speaking_style")] public string SpeakingStyle = "";
        [DataMember(Name = "knowledge")] public List<string> Knowledge = new List<string>();
        [DataMember(Name = "greeting")] public string Greeting = "";
        [DataMember(Name = "safety_policy")] public string SafetyPolicy = "";
        [DataMember(Name = "deflections")] public List<string> Deflections = new List<string>();
    }

    [DataContract]
    public sealed class Turn
    {
        /// <summary>"ROLE_PLAYER" or "ROLE_CHARACTER".</summary>
        [DataMember(Name = "role")] public string Role;
        [DataMember(Name = "text")] public string Text;
        [DataMember(Name = "interaction_id")] public string InteractionId;
        [DataMember(Name = "created_at_ms")] public string CreatedAtMs;
    }

    [DataContract]
    public sealed class Session
    {
        [DataMember(Name = "id")] public string Id;
        [DataMember(Name = "character_id")] public string CharacterId;
        [DataMember(Name = "player_id")] public string PlayerId;
        [DataMember(Name = "turns")] public List<Turn> Turns = new List<Turn>();
        [DataMember(Name = "created_at_ms")] public string CreatedAtMs;
    }

    /// <summary>Sampling options of one reply; null fields use the host defaults.</summary>
    [DataContract]
    public sealed class GenerationParams
    {
        [DataMember(Name = "max_tokens", EmitDefaultValue = false)] public int MaxTokens;
        [DataMember(Name = "temperature", EmitDefaultValue = false)] public float? Temperature;
        [DataMember(Name = "top_p", EmitDefaultValue = false)] public float? TopP;
        [DataMember(Name = "seed", EmitDefaultValue = false)] public ulong? Seed;
        /// <summary>Scheduling priority: higher is served first when the host is busy
        /// (the NPC next to the player); ties are first come, first served.</summary>
        [DataMember(Name = "priority", EmitDefaultValue = false)] public int Priority;
    }

    [DataContract]
    public sealed class Usage
    {
        [DataMember(Name = "prompt_tokens")] public int PromptTokens;
        [DataMember(Name = "completion_tokens")] public int CompletionTokens;
    }

    [DataContract]
    public sealed class Timings
    {
        [DataMember(Name = "queue_ms")] public float QueueMs;
        [DataMember(Name = "ttft_ms")] public float TtftMs;
        [DataMember(Name = "total_ms")] public float TotalMs;
        [DataMember(Name = "tokens_per_second")] public float TokensPerSecond;
    }

    /// <summary>The end of a Say: the whole reply, why it ended, usage and timings.</summary>
    [DataContract]
    public sealed class Reply
    {
        [DataMember(Name = "text")] public string Text;
        [DataMember(Name = "finish_reason")] public string FinishReason;
        [DataMember(Name = "usage")] public Usage Usage;
        [DataMember(Name = "timings")] public Timings Timings;
        [DataMember(Name = "interaction_id")] public string InteractionId;
    }

    /// <summary>The content filter acted on the player's input or the NPC's reply.</summary>
    [DataContract]
    public sealed class ModerationNotice
    {
        [DataMember(Name = "source")] public string Source;
        /// <summary>"ALLOW", "MASK" or "BLOCK".</summary>
        [DataMember(Name = "action")] public string Action;
        [DataMember(Name = "categories")] public List<string> Categories;
        [DataMember(Name = "message")] public string Message;
    }

    [DataContract]
    public sealed class CategoryScore
    {
        [DataMember(Name = "category")] public string Category;
        [DataMember(Name = "score")] public float Score;
    }

    [DataContract]
    public sealed class Span
    {
        [DataMember(Name = "start")] public int Start;
        [DataMember(Name = "end")] public int End;
        [DataMember(Name = "category")] public string Category;
    }

    [DataContract]
    public sealed class CheckResult
    {
        [DataMember(Name = "flagged")] public bool Flagged;
        /// <summary>"ALLOW", "MASK" or "BLOCK".</summary>
        [DataMember(Name = "action")] public string Action;
        [DataMember(Name = "flagged_categories")] public List<string> FlaggedCategories;
        [DataMember(Name = "scores")] public List<CategoryScore> Scores;
        [DataMember(Name = "spans")] public List<Span> Spans;
        [DataMember(Name = "masked_text")] public string MaskedText;
    }

    [DataContract]
    public sealed class AvatarAttribute
    {
        [DataMember(Name = "name")] public string Name;
        [DataMember(Name = "values")] public List<string> Values;
    }

    /// <summary>What to generate; explicit attributes win over the description.</summary>
    [DataContract]
    public sealed class AvatarRequest
    {
        [DataMember(Name = "attributes")] public Dictionary<string, string> Attributes = new Dictionary<string, string>();
        [DataMember(Name = "description")] public string Description = "";
        [DataMember(Name = "count")] public int Count = 1;
        [DataMember(Name = "seed", EmitDefaultValue = false)] public ulong? Seed;
        [DataMember(Name = "truncation", EmitDefaultValue = false)] public float? Truncation;
    }

    /// <summary>Parameters an engine rig applies by name.</summary>
    [DataContract]
    public sealed class AvatarSpec
    {
        [DataMember(Name = "attributes")] public Dictionary<string, string> Attributes;
        /// <summary>Hex colours ("#a0522d") for "skin", "hair", "eyes".</summary>
        [DataMember(Name = "colors")] public Dictionary<string, string> Colors;
        /// <summary>ARKit-style blend shape names to weights in [0, 1].</summary>
        [DataMember(Name = "morph_targets")] public Dictionary<string, float> MorphTargets;
    }

    /// <summary>A generated avatar: its spec and PNG portrait.</summary>
    [DataContract]
    public sealed class Avatar
    {
        [DataMember(Name = "id")] public string Id;
        [DataMember(Name = "seed")] public string SeedText;
        [DataMember(Name = "latent")] public List<float> Latent;
        [DataMember(Name = "spec")] public AvatarSpec Spec;
        [DataMember(Name = "width")] public int Width;
        [DataMember(Name = "height")] public int Height;
        /// <summary>The PNG bytes (copied from the native event, not from JSON).</summary>
        public byte[] Png;
        public ulong Seed { get { ulong s; ulong.TryParse(SeedText, out s); return s; } }
    }
}
