using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace NpcBridge
{
    /// <summary>The Knowledge service: lore collections that characters draw on
    /// (<see cref="Character.KnowledgeCollections"/>). Answers arrive during <see cref="NpcBridgeClient.Poll"/>.</summary>
    public sealed partial class NpcBridgeClient
    {
        /// <summary>Adds or replaces documents (by id) in a collection, created on first use. Long documents
        /// are split into passages; a failed call stores nothing.</summary>
        public Task<UpsertDocumentsResponse> UpsertDocumentsAsync(string collection, IList<Document> documents,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            return Unary<UpsertDocumentsRequest, UpsertDocumentsResponse>("UpsertDocuments",
                new UpsertDocumentsRequest { Collection = collection, Documents = new List<Document>(documents) }, cancellationToken);
        }

        /// <summary>Deletes documents; returns how many existed.</summary>
        public async Task<int> DeleteDocumentsAsync(string collection, IList<string> ids,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<DeleteDocumentsRequest, DeleteDocumentsResponse>("DeleteDocuments",
                new DeleteDocumentsRequest { Collection = collection, Ids = new List<string>(ids) }, cancellationToken);
            return r.Deleted;
        }

        /// <summary>The passages closest in meaning to <paramref name="query"/>, best first (k 0 means 5).</summary>
        public async Task<List<SearchHit>> SearchAsync(string collection, string query, int k = 0,
            CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<SearchRequest, SearchResponse>("Search",
                new SearchRequest { Collection = collection, Query = query, K = k }, cancellationToken);
            return r.Hits ?? new List<SearchHit>();
        }

        public async Task<List<CollectionInfo>> ListCollectionsAsync(CancellationToken cancellationToken = default(CancellationToken))
        {
            var r = await Unary<ListCollectionsRequest, ListCollectionsResponse>("ListCollections", new ListCollectionsRequest(), cancellationToken);
            return r.Collections ?? new List<CollectionInfo>();
        }
    }
}
