// Plays an NPC's spoken replies and raises its visemes for lip-sync; transcribes the player's speech.
#pragma once

#include "CoreMinimal.h"
#include "Components/AudioComponent.h"
#include "NpcBridgeContract.h"
#include "NpcBridgeTypes.h"
#include "NpcVoiceComponent.generated.h"

class USoundWaveProcedural;
class FNpcVisemeClock;
namespace npcbridge { struct AudioChunk; struct Viseme; }

DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcVisemeSignature, const FNpcViseme&, Viseme);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcTranscriptSignature, const FNpcTranscript&, Transcript);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcVoiceErrorSignature, ENpcBridgeResult, Result, const FString&, Message);

/**
 * Put it beside a UNpcDialogueComponent with bSpeak set: the reply's PCM16 chunks are queued on a
 * USoundWaveProcedural as they stream, and OnViseme fires as playback reaches each mouth shape (map
 * Viseme.Name to your face's morph targets or pose asset). TranscribePcm sends recorded player speech
 * (e.g. from an AudioCapture component's buffer) to the host and raises OnTranscribed.
 */
UCLASS(ClassGroup = (AI), meta = (BlueprintSpawnableComponent, DisplayName = "NPC Voice"))
class NPCBRIDGE_API UNpcVoiceComponent : public UAudioComponent
{
	GENERATED_BODY()

public:
	UNpcVoiceComponent();

	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcVisemeSignature OnViseme;
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcTranscriptSignature OnTranscribed;
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcVoiceErrorSignature OnVoiceError;

	/** PCM16 mono little-endian samples (16 kHz preferred) to text; the NPC's dialogue component can Say it. */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge")
	void TranscribePcm(const TArray<uint8>& Pcm16, int32 SampleRate);

	/** A new reply: what is still queued is dropped and the timeline restarts at 0 ms. */
	void BeginReply();
	void QueueAudio(const npcbridge::AudioChunk& Chunk);
	void QueueViseme(const npcbridge::Viseme& Viseme);

	virtual void TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction) override;
	virtual void EndPlay(const EEndPlayReason::Type Reason) override;

private:
	UPROPERTY(Transient) TObjectPtr<USoundWaveProcedural> Wave;
	TSharedPtr<FNpcVisemeClock> Clock;
	double StartedAt = -1.0;  // world time of the reply's first sample
	uint64 TranscribeRequest = 0;
};
