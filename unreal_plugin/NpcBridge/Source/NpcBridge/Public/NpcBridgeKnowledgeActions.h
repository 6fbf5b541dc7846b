// Blueprint async nodes of the Knowledge and Memory services: Search NPC Knowledge, Upsert NPC
// Documents, Get NPC Relationship, Forget NPC Player.
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
DECLARE_DYNAMIC_MULTICAST_DELEGATE_FourParams(FNpcRelationshipPin, const FNpcRelationship&, Relationship,
	const TArray<FNpcMemoryItem>&, Memories, ENpcBridgeResult, Result, const FString&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FNpcForgetPin, const FNpcForgetPlayerResponse&, Forgotten,
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

UCLASS()
class NPCBRIDGE_API UNpcGetRelationshipAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	/** How CharacterId feels about PlayerId (affinity, trust) and what it remembers of them. */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "Get NPC Relationship"))
	static UNpcGetRelationshipAsyncAction* GetRelationship(UObject* WorldContext, const FString& PlayerId, const FString& CharacterId);

	UPROPERTY(BlueprintAssignable) FNpcRelationshipPin OnDone;
	UPROPERTY(BlueprintAssignable) FNpcRelationshipPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	void Fail(ENpcBridgeResult Result, const FString& Error);
	TWeakObjectPtr<UObject> Context;
	FString PlayerId, CharacterId;
	uint64 RequestId = 0;
};

UCLASS()
class NPCBRIDGE_API UNpcForgetPlayerAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	/** Deletes everything the host stores about PlayerId (sessions, memories, relationships). */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "Forget NPC Player"))
	static UNpcForgetPlayerAsyncAction* ForgetPlayer(UObject* WorldContext, const FString& PlayerId);

	UPROPERTY(BlueprintAssignable) FNpcForgetPin OnDone;
	UPROPERTY(BlueprintAssignable) FNpcForgetPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	FString PlayerId;
	uint64 RequestId = 0;
};
