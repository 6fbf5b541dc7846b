using System.Runtime.Serialization;

// The native client's options as npcb_client_create takes them (not part of the
// contract: the contract's messages are generated into Contract.g.cs).
namespace NpcBridge
{
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
