#include "NpcBridgeKnowledgeActions.h"

#include "NpcBridgeCall.h"
#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "NpcBridgeSubsystem.h"
#include "npcbridge/client.hpp"

// ---- Search NPC Knowledge --------------------------------------------------

UNpcSearchKnowledgeAsyncAction* UNpcSearchKnowledgeAsyncAction::SearchKnowledge(UObject* WorldContext,
	const FString& Collection, const FString& Query, int32 K)
{
	UNpcSearchKnowledgeAsyncAction* Action = NewObject<UNpcSearchKnowledgeAsyncAction>();
	Action->Context = WorldContext;
	Action->Collection = Collection;
	Action->Query = Query;
	Action->K = K;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcSearchKnowledgeAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast({}, ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	FNpcSearchRequest Request;
	Request.Collection = Collection;
	Request.Query = Query;
	Request.K = K;
	TWeakObjectPtr<UNpcSearchKnowledgeAsyncAction> WeakThis(this);
	RequestId = NpcBridgeCall<npcbridge::SearchResponse>(*Bridge, "Search", FNpcBridgeContract::To(Request),
		[WeakThis](const npcbridge::Status& S, const npcbridge::SearchResponse& Response)
	{
		UNpcSearchKnowledgeAsyncAction* Self = WeakThis.Get();
		if (!Self) { return; }
		if (Self->ShouldBroadcastDelegates())
		{
			if (S.ok()) { Self->OnFound.Broadcast(FNpcBridgeContract::From(Response).Hits, ENpcBridgeResult::Ok, FString()); }
			else { Self->OnFailed.Broadcast({}, FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message)); }
		}
		Self->SetReadyToDestroy();
	});
}

void UNpcSearchKnowledgeAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}

// ---- Upsert NPC Documents --------------------------------------------------

UNpcUpsertDocumentsAsyncAction* UNpcUpsertDocumentsAsyncAction::UpsertDocuments(UObject* WorldContext,
	const FString& Collection, const TArray<FNpcDocument>& Documents)
{
	UNpcUpsertDocumentsAsyncAction* Action = NewObject<UNpcUpsertDocumentsAsyncAction>();
	Action->Context = WorldContext;
	Action->Collection = Collection;
	Action->Documents = Documents;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcUpsertDocumentsAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast(0, 0, ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	FNpcUpsertDocumentsRequest Request;
	Request.Collection = Collection;
	Request.Documents = Documents;
	TWeakObjectPtr<UNpcUpsertDocumentsAsyncAction> WeakThis(this);
	RequestId = NpcBridgeCall<npcbridge::UpsertDocumentsResponse>(*Bridge, "UpsertDocuments", FNpcBridgeContract::To(Request),
		[WeakThis](const npcbridge::Status& S, const npcbridge::UpsertDocumentsResponse& Response)
	{
		UNpcUpsertDocumentsAsyncAction* Self = WeakThis.Get();
		if (!Self) { return; }
		if (Self->ShouldBroadcastDelegates())
		{
			if (S.ok()) { Self->OnDone.Broadcast(Response.upserted, Response.passages, ENpcBridgeResult::Ok, FString()); }
			else { Self->OnFailed.Broadcast(0, 0, FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message)); }
		}
		Self->SetReadyToDestroy();
	});
}

void UNpcUpsertDocumentsAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}

// ---- Get NPC Relationship --------------------------------------------------

UNpcGetRelationshipAsyncAction* UNpcGetRelationshipAsyncAction::GetRelationship(UObject* WorldContext,
	const FString& PlayerId, const FString& CharacterId)
{
	UNpcGetRelationshipAsyncAction* Action = NewObject<UNpcGetRelationshipAsyncAction>();
	Action->Context = WorldContext;
	Action->PlayerId = PlayerId;
	Action->CharacterId = CharacterId;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcGetRelationshipAsyncAction::Fail(ENpcBridgeResult Result, const FString& Error)
{
	if (ShouldBroadcastDelegates()) { OnFailed.Broadcast(FNpcRelationship(), {}, Result, Error); }
	SetReadyToDestroy();
}

void UNpcGetRelationshipAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast(FNpcRelationship(), {}, ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	FNpcGetRelationshipRequest Request;
	Request.PlayerId = PlayerId;
	Request.CharacterId = CharacterId;
	TWeakObjectPtr<UNpcGetRelationshipAsyncAction> WeakThis(this);
	// Two calls in a row: the relationship, then the memories.
	RequestId = NpcBridgeCall<npcbridge::Relationship>(*Bridge, "GetRelationship", FNpcBridgeContract::To(Request),
		[WeakThis, Bridge](const npcbridge::Status& S, const npcbridge::Relationship& Relation)
	{
		UNpcGetRelationshipAsyncAction* Self = WeakThis.Get();
		if (!Self) { return; }
		if (!S.ok()) { Self->Fail(FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message)); return; }
		FNpcListMemoriesRequest List;
		List.PlayerId = Self->PlayerId;
		List.CharacterId = Self->CharacterId;
		const FNpcRelationship Found = FNpcBridgeContract::From(Relation);
		Self->RequestId = NpcBridgeCall<npcbridge::ListMemoriesResponse>(*Bridge, "ListMemories", FNpcBridgeContract::To(List),
			[WeakThis, Found](const npcbridge::Status& S2, const npcbridge::ListMemoriesResponse& Memories)
		{
			UNpcGetRelationshipAsyncAction* Inner = WeakThis.Get();
			if (!Inner) { return; }
			if (!S2.ok()) { Inner->Fail(FNpcBridgeConvert::Result(S2.code), FNpcBridgeConvert::Str(S2.message)); return; }
			if (Inner->ShouldBroadcastDelegates())
			{
				Inner->OnDone.Broadcast(Found, FNpcBridgeContract::From(Memories).Memories, ENpcBridgeResult::Ok, FString());
			}
			Inner->SetReadyToDestroy();
		});
	});
}

void UNpcGetRelationshipAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}

// ---- Forget NPC Player -----------------------------------------------------

UNpcForgetPlayerAsyncAction* UNpcForgetPlayerAsyncAction::ForgetPlayer(UObject* WorldContext, const FString& PlayerId)
{
	UNpcForgetPlayerAsyncAction* Action = NewObject<UNpcForgetPlayerAsyncAction>();
	Action->Context = WorldContext;
	Action->PlayerId = PlayerId;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcForgetPlayerAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast(FNpcForgetPlayerResponse(), ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	FNpcForgetPlayerRequest Request;
	Request.PlayerId = PlayerId;
	TWeakObjectPtr<UNpcForgetPlayerAsyncAction> WeakThis(this);
	RequestId = NpcBridgeCall<npcbridge::ForgetPlayerResponse>(*Bridge, "ForgetPlayer", FNpcBridgeContract::To(Request),
		[WeakThis](const npcbridge::Status& S, const npcbridge::ForgetPlayerResponse& Response)
	{
		UNpcForgetPlayerAsyncAction* Self = WeakThis.Get();
		if (!Self) { return; }
		if (Self->ShouldBroadcastDelegates())
		{
			if (S.ok()) { Self->OnDone.Broadcast(FNpcBridgeContract::From(Response), ENpcBridgeResult::Ok, FString()); }
			else { Self->OnFailed.Broadcast(FNpcForgetPlayerResponse(), FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message)); }
		}
		Self->SetReadyToDestroy();
	});
}

void UNpcForgetPlayerAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}
