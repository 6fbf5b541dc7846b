// Which viseme shows at the playback position of a spoken reply. Plain C++ (no UObjects): the
// logic the automation tests cover; UNpcVoiceComponent only feeds it and broadcasts.
#pragma once

#include "CoreMinimal.h"
#include "npcbridge/contract.hpp"

class FNpcVisemeClock
{
public:
	void Reset()
	{
		Visemes.Reset();
		Next = 0;
		QueuedMs = 0.f;
	}

	/** Audio queued so far extends the timeline to here (ms); playback cannot pass it. */
	void AddAudio(const npcbridge::AudioChunk& Chunk)
	{
		if (Chunk.sample_rate <= 0) { return; }
		const float Ms = Chunk.pcm16.size() / 2 * 1000.f / Chunk.sample_rate;
		QueuedMs = FMath::Max(QueuedMs, Chunk.start_ms + Ms);
	}

	void AddViseme(const npcbridge::Viseme& Viseme) { Visemes.Add(Viseme); }

	/** Visemes that started by PlayedMs (clamped to the queued audio) and were not returned yet, in order. */
	TArray<npcbridge::Viseme> Due(float PlayedMs)
	{
		const float At = FMath::Min(PlayedMs, QueuedMs);
		TArray<npcbridge::Viseme> Out;
		while (Next < Visemes.Num() && Visemes[Next].start_ms <= At) { Out.Add(Visemes[Next++]); }
		return Out;
	}

	float GetQueuedMs() const { return QueuedMs; }

private:
	TArray<npcbridge::Viseme> Visemes;
	int32 Next = 0;
	float QueuedMs = 0.f;
};
