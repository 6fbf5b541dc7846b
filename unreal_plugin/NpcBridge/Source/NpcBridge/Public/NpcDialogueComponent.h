// Gives an actor a voice: registers its character, opens a session and streams replies.
#pragma once

#include "CoreMinimal.h"
#include "Components/ActorComponent.h"
#include "NpcBridgeTypes.h"
#include "NpcDialogueComponent.generated.h"

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcTextDeltaSignature, const FString&, Delta);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcReplySignature, const FNpcCompleted&, Reply);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcModeratedSignature, const FNpcModerationNotice&, Moderation);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcEmotionSignature, const FNpcEmotion&, Emotion);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcActionSignature, const FNpcActionCall&, Action);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcErrorSignature, ENpcBridgeResult, Result, const FString&, Message);

UCLASS(ClassGroup = (AI), meta = (BlueprintSpawnableComponent, DisplayName = "NPC Dialogue"))
class NPCBRIDGE_API UNpcDialogueComponent : public UActorComponent
{
	GENERATED_BODY()

public:
	/** Registered (upserted) on BeginPlay; an empty Id gets one from the host. Leave Persona empty to use a
	 *  character that already exists on the host under Id. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") FNpcCharacter Character;
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") FString PlayerId = TEXT("player");
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge", meta = (ClampMin = 0)) int32 MaxTokens = 0;
	/** Served first when the host is busy (e.g. raise it for the NPC the player is talking to). */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") int32 Priority = 0;
	/** Speak the replies in Character.Voice: their audio and visemes go to the owner's UNpcVoiceComponent. */
	UPROPERTY(EditAnywhere, BlueprintReadWrite, Category = "NPC Bridge") bool bSpeak = false;

	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcTextDeltaSignature OnTextDelta;
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcReplySignature OnReplyCompleted;
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcModeratedSignature OnModerated;
	/** How the NPC feels; fires before the reply's first OnTextDelta (drive the face or the anim blueprint). */
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcEmotionSignature OnEmotion;
	/** An action the NPC takes: Name is one of Character.Actions, ArgumentsJson validates against its schema. */
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcActionSignature OnAction;
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcErrorSignature OnError;

	/** Sends the player's line; a reply still streaming is cancelled first. Queued until the session is open. */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge") void Say(const FString& Text);
	/** Say with game state for this turn (Context), something that happened (Event: Text may then be
	 *  empty) and this turn's subset of Character.Actions (AllowedActions; empty = all). */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge", meta = (AutoCreateRefTerm = "Context,Event,AllowedActions"))
	void SayInContext(const FString& Text, const TMap<FString, FString>& Context, const FNpcGameEvent& Event,
		const TArray<FString>& AllowedActions);
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge") void CancelReply();
	UFUNCTION(BlueprintPure, Category = "NPC Bridge") bool IsReplying() const { return ActiveRequest != 0; }
	UFUNCTION(BlueprintPure, Category = "NPC Bridge") FString GetSessionId() const { return SessionId; }

protected:
	virtual void BeginPlay() override;
	virtual void EndPlay(const EEndPlayReason::Type Reason) override;

private:
	void OpenSession();
	void SendNow(FNpcSayRequest Request);

	FString SessionId;
	TOptional<FNpcSayRequest> Pending;
	uint64 ActiveRequest = 0;
	uint64 OpenRequest = 0;
};
