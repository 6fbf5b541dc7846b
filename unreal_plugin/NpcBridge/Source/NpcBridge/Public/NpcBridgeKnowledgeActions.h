// Blueprint async nodes of the Knowledge service: Search NPC Knowledge, Upsert NPC Documents.
// Each honours Cancel and broadcasts only while ShouldBroadcastDelegates().
#pragma once

#include "CoreMinimal.h"
#include "Engine/CancellableAsyncAction.h"
#include "NpcBridgeContract.h"
#include "NpcBridgeTypes.h"
#include "NpcBridgeKnowledgeActions.generated.h"

DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FNpcSearchPin, const TArray<FNpcSearchHit>&, Hits,
	ENpcBridgeResult, Result, const FString&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_FourParams(FNpcUpsertPin, int32, Upserted, int32, Passages,
	ENpcBridgeResult, Result, const FString&, Error);

UCLASS()
class NPCBRIDGE_API UNpcSearchKnowledgeAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	/** The passages of Collection closest in meaning to Query, best first (K 0 means 5). */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "Search NPC Knowledge"))
	static UNpcSearchKnowledgeAsyncAction* SearchKnowledge(UObject* WorldContext, const FString& Collection, const FString& Query, int32 K = 5);

	UPROPERTY(BlueprintAssignable) FNpcSearchPin OnFound;
	UPROPERTY(BlueprintAssignable) FNpcSearchPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	FString Collection, Query;
	int32 K = 5;
	uint64 RequestId = 0;
};

UCLASS()
class NPCBRIDGE_API UNpcUpsertDocumentsAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	/** Adds or replaces Documents (by Id) in Collection, created on first use; all or nothing. */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "Upsert NPC Documents"))
	static UNpcUpsertDocumentsAsyncAction* UpsertDocuments(UObject* WorldContext, const FString& Collection, const TArray<FNpcDocument>& Documents);

	UPROPERTY(BlueprintAssignable) FNpcUpsertPin OnDone;
	UPROPERTY(BlueprintAssignable) FNpcUpsertPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	FString Collection;
	TArray<FNpcDocument> Documents;
	uint64 RequestId = 0;
};
