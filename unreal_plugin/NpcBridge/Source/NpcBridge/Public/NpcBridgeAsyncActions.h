// Blueprint async nodes: Say, Generate Avatar, Check Text, Get Server Info.
// Each honours Cancel and broadcasts only while ShouldBroadcastDelegates().
#pragma once

#include "CoreMinimal.h"
#include "Engine/CancellableAsyncAction.h"
#include "NpcBridgeTypes.h"
#include "NpcBridgeAsyncActions.generated.h"

// One signature for every pin of the node (Blueprint async nodes need that): each pin fills its own part.
DECLARE_DYNAMIC_MULTICAST_DELEGATE_SixParams(FNpcSayPin, const FString&, Delta, const FNpcEmotion&, Emotion,
	const FNpcActionCall&, Action, const FNpcCompleted&, Reply, ENpcBridgeResult, Result, const FString&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_FourParams(FNpcAvatarPin, const FNpcAvatar&, Avatar, int32, Completed,
	ENpcBridgeResult, Result, const FString&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FNpcCheckPin, const FNpcCheckResult&, Check,
	ENpcBridgeResult, Result, const FString&, Error);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FNpcInfoPin, const FNpcServerInfo&, Info,
	ENpcBridgeResult, Result, const FString&, Error);

UCLASS()
class NPCBRIDGE_API UNpcSayAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "NPC Say"))
	static UNpcSayAsyncAction* NpcSay(UObject* WorldContext, const FString& SessionId, const FString& Text, int32 MaxTokens = 0, int32 Priority = 0);

	UPROPERTY(BlueprintAssignable) FNpcSayPin OnDelta;
	/** Before the first OnDelta: the Emotion pin holds how the NPC feels. */
	UPROPERTY(BlueprintAssignable) FNpcSayPin OnEmotion;
	/** The Action pin holds a checked call (Name, ArgumentsJson) for the game to carry out. */
	UPROPERTY(BlueprintAssignable) FNpcSayPin OnAction;
	UPROPERTY(BlueprintAssignable) FNpcSayPin OnCompleted;
	UPROPERTY(BlueprintAssignable) FNpcSayPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	FString SessionId, Text;
	int32 MaxTokens = 0, Priority = 0;
	uint64 RequestId = 0;
};

UCLASS()
class NPCBRIDGE_API UNpcGenerateAvatarAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "Generate NPC Avatar"))
	static UNpcGenerateAvatarAsyncAction* GenerateNpcAvatar(UObject* WorldContext, const FString& Description,
		const TMap<FString, FString>& Attributes, int32 Count = 1, int64 Seed = -1, const FString& Expression = TEXT(""));

	UPROPERTY(BlueprintAssignable) FNpcAvatarPin OnAvatar;
	UPROPERTY(BlueprintAssignable) FNpcAvatarPin OnCompleted;
	UPROPERTY(BlueprintAssignable) FNpcAvatarPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	FString Description, Expression;
	TMap<FString, FString> Attributes;
	int32 Count = 1, Received = 0;
	int64 Seed = -1;
	uint64 RequestId = 0;
};

UCLASS()
class NPCBRIDGE_API UNpcCheckTextAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "Check Text"))
	static UNpcCheckTextAsyncAction* CheckText(UObject* WorldContext, const FString& Text, const FString& Policy);

	UPROPERTY(BlueprintAssignable) FNpcCheckPin OnChecked;
	UPROPERTY(BlueprintAssignable) FNpcCheckPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	FString Text, Policy;
	uint64 RequestId = 0;
};

UCLASS()
class NPCBRIDGE_API UNpcGetServerInfoAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "Get NPC Bridge Server Info"))
	static UNpcGetServerInfoAsyncAction* GetNpcBridgeServerInfo(UObject* WorldContext);

	UPROPERTY(BlueprintAssignable) FNpcInfoPin OnInfo;
	UPROPERTY(BlueprintAssignable) FNpcInfoPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	uint64 RequestId = 0;
};
