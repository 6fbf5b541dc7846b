using System.Collections.Generic;
using System.Runtime.Serialization;

// Request and list-response envelopes of the unary RPCs (internal: the client's
// methods take and return the payloads directly).
namespace NpcBridge
{
    [DataContract] internal sealed class IdRequest { [DataMember(Name = "id")] public string Id; }
    [DataContract] internal sealed class Empty { }

    [DataContract]
    internal sealed class UpsertCharacterRequest { [DataMember(Name = "character")] public Character Character; }

    [DataContract]
    internal sealed class ListCharactersResponse { [DataMember(Name = "characters")] public List<Character> Characters; }

    [DataContract]
    internal sealed class CreateSessionRequest
    {
        [DataMember(Name = "character_id")] public string CharacterId;
        [DataMember(Name = "player_id")] public string PlayerId;
    }

    [DataContract]
    internal sealed class CheckRequest
    {
        [DataMember(Name = "text")] public string Text;
        [DataMember(Name = "policy")] public string Policy;
        [DataMember(Name = "context")] public string Context;
    }

    [DataContract]
    internal sealed class CheckBatchRequest
    {
        [DataMember(Name = "texts")] public List<string> Texts;
        [DataMember(Name = "policy")] public string Policy;
        [DataMember(Name = "context")] public string Context;
    }

    [DataContract]
    internal sealed class CheckBatchResponse { [DataMember(Name = "results")] public List<CheckResult> Results; }

    [DataContract]
    internal sealed class ListAttributesResponse { [DataMember(Name = "attributes")] public List<AvatarAttribute> Attributes; }

    [DataContract]
    internal sealed class ClientOptionsJson
    {
        [DataMember(Name = "address")] public string Address;
        [DataMember(Name = "auth_token")] public string AuthToken;
        [DataMember(Name = "tls")] public bool Tls;
        [DataMember(Name = "tls_root_certs")] public string TlsRootCerts;
        [DataMember(Name = "client_name")] public string ClientName;
        [DataMember(Name = "timeout_ms")] public int TimeoutMs;
        [DataMember(Name = "stream_timeout_ms")] public int StreamTimeoutMs;
    }
}
