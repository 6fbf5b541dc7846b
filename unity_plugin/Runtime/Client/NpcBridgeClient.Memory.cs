using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace NpcBridge
{
    /// <summary>The Memory service: what each character remembers of each player, and how it feels
    /// about them. Answers arrive during <see cref="NpcBridgeClient.Poll"/>.</summary>
    public sealed partial class NpcBridgeClient
    {
        /// <summary>A player's memories with one character (empty <paramref name="characterId"/>: every character).</summary>
        public async Task<List<MemoryItem>> ListMemoriesAsync(string playerId, string characterId = "",
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<ListMemoriesRequest, ListMemoriesResponse>("ListMemories",
                new ListMemoriesRequest { PlayerId = playerId, CharacterId = characterId }, cancellationToken);
            return r.Memories ?? new List<MemoryItem>();
        }

        /// <summary>Something the game wants the character to remember (a quest outcome, a gift).</summary>
        public Task<MemoryItem> AddMemoryAsync(MemoryItem memory, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<AddMemoryRequest, MemoryItem>("AddMemory", new AddMemoryRequest { Memory = memory }, cancellationToken);
        }

        public Task DeleteMemoryAsync(string id, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<DeleteMemoryRequest, DeleteMemoryResponse>("DeleteMemory", new DeleteMemoryRequest { Id = id }, cancellationToken);
        }

        /// <summary>Deletes everything stored about a player: sessions, turns, memories, relationships.</summary>
        public Task<ForgetPlayerResponse> ForgetPlayerAsync(string playerId, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<ForgetPlayerRequest, ForgetPlayerResponse>("ForgetPlayer", new ForgetPlayerRequest { PlayerId = playerId }, cancellationToken);
        }

        public Task<Relationship> GetRelationshipAsync(string playerId, string characterId,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<GetRelationshipRequest, Relationship>("GetRelationship",
                new GetRelationshipRequest { PlayerId = playerId, CharacterId = characterId }, cancellationToken);
        }

        /// <summary>Sets affinity and trust (-1 to 1) after what happened outside conversations.</summary>
        public Task<Relationship> SetRelationshipAsync(Relationship relationship, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<SetRelationshipRequest, Relationship>("SetRelationship",
                new SetRelationshipRequest { Relationship = relationship }, cancellationToken);
        }
    }
}
