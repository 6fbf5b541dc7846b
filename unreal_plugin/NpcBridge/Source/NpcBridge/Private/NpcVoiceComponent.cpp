#include "NpcVoiceComponent.h"

#include "NpcBridgeCall.h"
#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "NpcBridgeSubsystem.h"
#include "NpcVisemeClock.h"
#include "Sound/SoundWaveProcedural.h"
#include "npcbridge/client.hpp"

UNpcVoiceComponent::UNpcVoiceComponent()
{
	PrimaryComponentTick.bCanEverTick = true;
	bAutoActivate = false;
	Clock = MakeShared<FNpcVisemeClock>();
}

void UNpcVoiceComponent::BeginReply()
{
	Stop();
	Clock->Reset();
	StartedAt = -1.0;
	if (Wave) { Wave->ResetAudio(); }
}

void UNpcVoiceComponent::QueueAudio(const npcbridge::AudioChunk& Chunk)
{
	if (Chunk.pcm16.empty() || Chunk.sample_rate <= 0) { return; }
	if (!Wave || Wave->GetSampleRateForCurrentPlatform() != Chunk.sample_rate)
	{
		Wave = NewObject<USoundWaveProcedural>(this);
		Wave->SetSampleRate(Chunk.sample_rate);
		Wave->NumChannels = 1;
		Wave->Duration = INDEFINITELY_LOOPING_DURATION;
		Wave->SoundGroup = SOUNDGROUP_Voice;
		Wave->bLooping = false;
		SetSound(Wave);
	}
	Wave->QueueAudio(Chunk.pcm16.data(), static_cast<int32>(Chunk.pcm16.size()));
	Clock->AddAudio(Chunk);
	if (StartedAt < 0.0 && GetWorld())
	{
		StartedAt = GetWorld()->GetTimeSeconds();
		Play();
	}
}

void UNpcVoiceComponent::QueueViseme(const npcbridge::Viseme& Viseme) { Clock->AddViseme(Viseme); }

void UNpcVoiceComponent::TickComponent(float DeltaTime, ELevelTick TickType, FActorComponentTickFunction* ThisTickFunction)
{
	Super::TickComponent(DeltaTime, TickType, ThisTickFunction);
	if (StartedAt < 0.0 || !GetWorld()) { return; }
	const float PlayedMs = static_cast<float>((GetWorld()->GetTimeSeconds() - StartedAt) * 1000.0);
	for (const npcbridge::Viseme& Due : Clock->Due(PlayedMs)) { OnViseme.Broadcast(FNpcBridgeContract::From(Due)); }
}

void UNpcVoiceComponent::TranscribePcm(const TArray<uint8>& Pcm16, int32 SampleRate)
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this);
	if (!Bridge) { OnVoiceError.Broadcast(ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem()); return; }
	npcbridge::AudioInput Input;
	Input.pcm16.assign(Pcm16.GetData(), Pcm16.GetData() + Pcm16.Num());
	Input.sample_rate = SampleRate;
	TWeakObjectPtr<UNpcVoiceComponent> WeakThis(this);
	TranscribeRequest = NpcBridgeCall<npcbridge::Transcript>(*Bridge, "Transcribe", Input,
		[WeakThis](const npcbridge::Status& S, const npcbridge::Transcript& Heard)
	{
		UNpcVoiceComponent* Self = WeakThis.Get();
		if (!Self) { return; }
		Self->TranscribeRequest = 0;
		if (S.ok()) { Self->OnTranscribed.Broadcast(FNpcBridgeContract::From(Heard)); }
		else if (S.code != npcbridge::StatusCode::Cancelled)
		{
			Self->OnVoiceError.Broadcast(FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message));
		}
	});
}

void UNpcVoiceComponent::EndPlay(const EEndPlayReason::Type Reason)
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this)) { Bridge->Cancel(TranscribeRequest); }
	TranscribeRequest = 0;
	Super::EndPlay(Reason);
}
