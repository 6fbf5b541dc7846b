"""npcbridge.v1.Knowledge: proto in, domain call, proto out."""

from __future__ import annotations

import grpc

from npcbridge._proto.v1 import knowledge_pb2 as kpb
from npcbridge._proto.v1 import knowledge_pb2_grpc
from npcbridge.knowledge.service import KnowledgeService
from npcbridge.knowledge.types import Document


class KnowledgeServicer(knowledge_pb2_grpc.KnowledgeServicer):
    """Thin adapter over :class:`KnowledgeService`."""

    def __init__(self, service: KnowledgeService) -> None:
        self._service = service

    async def UpsertDocuments(self, request: kpb.UpsertDocumentsRequest,
                              context: grpc.aio.ServicerContext) -> kpb.UpsertDocumentsResponse:
        documents = [Document(d.id, d.text, dict(d.metadata)) for d in request.documents]
        upserted, passages = await self._service.upsert_documents(request.collection, documents)
        return kpb.UpsertDocumentsResponse(upserted=upserted, passages=passages)

    async def DeleteDocuments(self, request: kpb.DeleteDocumentsRequest,
                              context: grpc.aio.ServicerContext) -> kpb.DeleteDocumentsResponse:
        return kpb.DeleteDocumentsResponse(deleted=await self._service.delete_documents(request.collection,
                                                                                       list(request.ids)))

    async def Search(self, request: kpb.SearchRequest, context: grpc.aio.ServicerContext) -> kpb.SearchResponse:
        hits = await self._service.search(request.collection, request.query, request.k)
        return kpb.SearchResponse(hits=[
            kpb.SearchHit(document=kpb.Document(id=h.document.id, text=h.document.text, metadata=h.document.metadata),
                          score=h.score) for h in hits])

    async def ListCollections(self, request: kpb.ListCollectionsRequest,
                              context: grpc.aio.ServicerContext) -> kpb.ListCollectionsResponse:
        return kpb.ListCollectionsResponse(collections=[
            kpb.CollectionInfo(name=c.name, documents=c.documents, passages=c.passages)
            for c in await self._service.list_collections()])
