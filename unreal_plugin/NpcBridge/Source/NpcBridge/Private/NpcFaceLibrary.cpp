#include "NpcFaceLibrary.h"

#include "Components/SkeletalMeshComponent.h"
#include "NpcBridgeCall.h"
#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "npcbridge/face_expressions.hpp"

TMap<FString, float> UNpcFaceLibrary::FaceWeightsForEmotion(const TMap<FString, float>& Face,
	const TArray<FNpcExpression>& Expressions, const FString& Emotion, float Intensity)
{
	std::map<std::string, float> NativeFace;
	for (const auto& Pair : Face) { NativeFace[FNpcBridgeConvert::Utf8(Pair.Key)] = Pair.Value; }
	std::vector<npcbridge::Expression> NativeExpressions;
	for (const FNpcExpression& E : Expressions) { NativeExpressions.push_back(FNpcBridgeContract::To(E)); }
	TMap<FString, float> Out;
	for (const auto& Pair : npcbridge::FaceWeights(NativeFace, NativeExpressions, FNpcBridgeConvert::Utf8(Emotion), Intensity))
	{
		Out.Add(FNpcBridgeConvert::Str(Pair.first), Pair.second);
	}
	return Out;
}

void UNpcFaceLibrary::ApplyMorphTargets(USkeletalMeshComponent* Mesh, const TMap<FString, float>& Weights)
{
	if (!Mesh) { return; }
	for (const auto& Pair : Weights) { Mesh->SetMorphTarget(FName(*Pair.Key), Pair.Value); }
}

UNpcListAttributesAsyncAction* UNpcListAttributesAsyncAction::ListAvatarAttributes(UObject* WorldContext)
{
	UNpcListAttributesAsyncAction* Action = NewObject<UNpcListAttributesAsyncAction>();
	Action->Context = WorldContext;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcListAttributesAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast({}, ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	TWeakObjectPtr<UNpcListAttributesAsyncAction> WeakThis(this);
	RequestId = NpcBridgeCall<npcbridge::ListAttributesResponse>(*Bridge, "ListAttributes", npcbridge::ListAttributesRequest{},
		[WeakThis](const npcbridge::Status& S, const npcbridge::ListAttributesResponse& Response)
	{
		UNpcListAttributesAsyncAction* Self = WeakThis.Get();
		if (!Self) { return; }
		if (Self->ShouldBroadcastDelegates())
		{
			if (S.ok()) { Self->OnListed.Broadcast(FNpcBridgeContract::From(Response), ENpcBridgeResult::Ok, FString()); }
			else { Self->OnFailed.Broadcast({}, FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message)); }
		}
		Self->SetReadyToDestroy();
	});
}

void UNpcListAttributesAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}
