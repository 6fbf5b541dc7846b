// Blueprint-facing value types. Conversions from the native client live in
// FNpcBridgeConvert (Private), so this header stays free of native includes.
#pragma once

#include "CoreMinimal.h"
#include "NpcBridgeTypes.generated.h"

/** Mirrors gRPC status codes, plus ConnectionFailed when the host cannot be reached. */
UENUM(BlueprintType)
enum class ENpcBridgeResult : uint8
{
	Ok = 0, Cancelled = 1, Unknown = 2, InvalidArgument = 3, DeadlineExceeded = 4, NotFound = 5,
	AlreadyExists = 6, PermissionDenied = 7, ResourceExhausted = 8, FailedPrecondition = 9, Aborted = 10,
	OutOfRange = 11, Unimplemented = 12, Internal = 13, Unavailable = 14, DataLoss = 15, Unauthenticated = 16,
	ConnectionFailed = 100
};

UENUM(BlueprintType)
enum class ENpcModerationAction : uint8 { Unspecified = 0, Allow = 1, Mask = 2, Block = 3 };

USTRUCT(BlueprintType)
struct NPCBRIDGE_API FNpcCharacterDefinition
{
	GENERATED_BODY()
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") FString Id;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") FString Name;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge", meta = (MultiLine = true)) FString Persona;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge", meta = (MultiLine = true)) FString Backstory;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") FString SpeakingStyle;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") FString Greeting;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") TArray<FString> Knowledge;
	/** everyone, teen or mature; empty uses the host default. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") FString SafetyPolicy;
};

USTRUCT(BlueprintType)
struct NPCBRIDGE_API FNpcReply
{
	GENERATED_BODY()
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString Text;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString FinishReason;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") int32 CompletionTokens = 0;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") float TimeToFirstTokenMs = 0.f;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") float TokensPerSecond = 0.f;
};

USTRUCT(BlueprintType)
struct NPCBRIDGE_API FNpcModeration
{
	GENERATED_BODY()
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString Source;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") ENpcModerationAction Action = ENpcModerationAction::Unspecified;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") TArray<FString> Categories;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString Message;
};

USTRUCT(BlueprintType)
struct NPCBRIDGE_API FNpcCheckResult
{
	GENERATED_BODY()
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") bool bFlagged = false;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") ENpcModerationAction Action = ENpcModerationAction::Unspecified;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") TArray<FString> FlaggedCategories;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString MaskedText;
};

USTRUCT(BlueprintType)
struct NPCBRIDGE_API FNpcAvatar
{
	GENERATED_BODY()
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString Id;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") int64 Seed = 0;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") TMap<FString, FString> Attributes;
	/** Hex colours for "skin", "hair", "eyes". */
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") TMap<FString, FString> Colors;
	/** ARKit-style blend shape names to weights in [0, 1]: feed to SetMorphTarget. */
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") TMap<FName, float> MorphTargets;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") TArray<uint8> Png;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") int32 Width = 0;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") int32 Height = 0;
};

USTRUCT(BlueprintType)
struct NPCBRIDGE_API FNpcServerInfo
{
	GENERATED_BODY()
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString ApiVersion;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") FString RuntimeVersion;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") bool bDialogue = false;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") bool bAvatars = false;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") bool bModeration = false;
	UPROPERTY(BlueprintReadOnly, Category = "NPC Bridge") TArray<FString> Models;
};
