using System;
using System.Collections.Concurrent;
using System.Runtime.Serialization;

namespace NpcBridge
{
    /// <summary>
    /// Which character a call is about, for the <c>x-npc-character</c> header a balancer hashes on, so
    /// one character's calls reach the replica whose prefix cache holds its prompt. The same rules as
    /// the native client's (native_client/src/routing.cpp): the request's character id, else the
    /// character of its session as learnt from the Session answers this client has seen.
    /// </summary>
    internal sealed class Routing
    {
        /// <summary>The header name balancers hash on (deploy/haproxy.cfg, deploy/nginx.conf).</summary>
        internal const string Header = "x-npc-character";

        [DataContract]
        sealed class Fields
        {
            [DataMember(Name = "id")] public string Id = "";
            [DataMember(Name = "character_id")] public string CharacterId = "";
            [DataMember(Name = "session_id")] public string SessionId = "";
            [DataMember(Name = "character")] public Fields Character;
        }

        readonly ConcurrentDictionary<string, string> sessions = new ConcurrentDictionary<string, string>();

        /// <summary>The routing key of a unary call (<paramref name="method"/> as in the contract); "" for none.</summary>
        public string KeyOf(string method, string requestJson)
        {
            var request = Parse(requestJson);
            if (request == null) return "";
            switch (method)
            {
                case "UpsertCharacter": return request.Character != null ? request.Character.Id ?? "" : "";
                case "GetCharacter":
                case "DeleteCharacter": return request.Id ?? "";
                case "GetSession":
                case "DeleteSession": return CharacterOf(request.Id);
            }
            return string.IsNullOrEmpty(request.CharacterId) ? CharacterOf(request.SessionId) : request.CharacterId;
        }

        /// <summary>The character whose session this is, when this client has seen it ("" otherwise).</summary>
        public string CharacterOf(string sessionId)
        {
            string character;
            return !string.IsNullOrEmpty(sessionId) && sessions.TryGetValue(sessionId, out character) ? character : "";
        }

        /// <summary>Remembers a session's character from an answer (CreateSession, GetSession); forgets deleted ones.</summary>
        public void Learn(string method, string requestJson, string responseJson)
        {
            if (method == "DeleteSession")
            {
                var request = Parse(requestJson);
                string gone;
                if (request != null && !string.IsNullOrEmpty(request.Id)) sessions.TryRemove(request.Id, out gone);
                return;
            }
            if (method != "CreateSession" && method != "GetSession") return;
            var session = Parse(responseJson);
            if (session != null && !string.IsNullOrEmpty(session.Id) && !string.IsNullOrEmpty(session.CharacterId))
                sessions[session.Id] = session.CharacterId;
        }

        static Fields Parse(string json)
        {
            if (string.IsNullOrEmpty(json)) return null;
            try { return Json.Parse<Fields>(json); }
            catch (SerializationException) { return null; }
            catch (ArgumentException) { return null; }
        }
    }
}
