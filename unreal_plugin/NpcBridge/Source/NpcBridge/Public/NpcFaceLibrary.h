// Facial expressions on an NPC's rig: the avatar's morph targets with the expression of the
// emotion a reply streams blended over them (npcbridge::FaceWeights, tested in the C++ core),
// and a node that lists the avatar model's attributes and expressions.
#pragma once

#include "CoreMinimal.h"
#include "Engine/CancellableAsyncAction.h"
#include "Kismet/BlueprintFunctionLibrary.h"
#include "NpcBridgeContract.h"
#include "NpcBridgeTypes.h"
#include "NpcFaceLibrary.generated.h"

class USkeletalMeshComponent;

DECLARE_DYNAMIC_MULTICAST_DELEGATE_ThreeParams(FNpcAttributesPin, const FNpcListAttributesResponse&, Attributes,
	ENpcBridgeResult, Result, const FString&, Error);

UCLASS()
class NPCBRIDGE_API UNpcFaceLibrary : public UBlueprintFunctionLibrary
{
	GENERATED_BODY()
public:
	/** Weights (0..1) for Emotion at Intensity over the avatar's own Face targets; an unknown
	 *  emotion shows the neutral face, and other expressions' weights are released. */
	UFUNCTION(BlueprintPure, Category = "NPC Bridge|Face")
	static TMap<FString, float> FaceWeightsForEmotion(const TMap<FString, float>& Face,
		const TArray<FNpcExpression>& Expressions, const FString& Emotion, float Intensity = 1.0f);

	/** SetMorphTarget for every weight the mesh has a morph target for. */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge|Face")
	static void ApplyMorphTargets(USkeletalMeshComponent* Mesh, const TMap<FString, float>& Weights);
};

UCLASS()
class NPCBRIDGE_API UNpcListAttributesAsyncAction : public UCancellableAsyncAction
{
	GENERATED_BODY()
public:
	/** The avatar model's attributes and the expressions it renders (with their ARKit weights). */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (BlueprintInternalUseOnly = "true", WorldContext = "WorldContext", DisplayName = "List NPC Avatar Attributes"))
	static UNpcListAttributesAsyncAction* ListAvatarAttributes(UObject* WorldContext);

	UPROPERTY(BlueprintAssignable) FNpcAttributesPin OnListed;
	UPROPERTY(BlueprintAssignable) FNpcAttributesPin OnFailed;

	virtual void Activate() override;
	virtual void Cancel() override;

private:
	TWeakObjectPtr<UObject> Context;
	uint64 RequestId = 0;
};
