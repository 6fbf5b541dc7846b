#include "NpcBridgeKnowledgeActions.h"

#include "NpcBridgeCall.h"
#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "NpcBridgeSubsystem.h"
#include "npcbridge/client.hpp"

namespace
{
const FString NoSubsystem = TEXT("no NPC Bridge subsystem: is the plugin enabled and is there a game instance?");
}

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
		OnFailed.Broadcast({}, ENpcBridgeResult::FailedPrecondition, NoSubsystem);
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
		OnFailed.Broadcast(0, 0, ENpcBridgeResult::FailedPrecondition, NoSubsystem);
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
