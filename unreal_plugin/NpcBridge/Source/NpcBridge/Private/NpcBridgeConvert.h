// Native client types <-> Blueprint types, in one place.
#pragma once

#include "CoreMinimal.h"
#include "NpcBridgeTypes.h"
#include "npcbridge/types.hpp"

struct FNpcBridgeConvert
{
	static std::string Utf8(const FString& S) { return std::string(TCHAR_TO_UTF8(*S)); }
	static FString Str(const std::string& S) { return FString(UTF8_TO_TCHAR(S.c_str())); }

	static ENpcBridgeResult Result(npcbridge::StatusCode Code)
	{
		const int32 Value = static_cast<int32>(Code);
		return Value == 100 ? ENpcBridgeResult::ConnectionFailed
			: (Value >= 0 && Value <= 16) ? static_cast<ENpcBridgeResult>(Value) : ENpcBridgeResult::Unknown;
	}

	static npcbridge::Character Character(const FNpcCharacterDefinition& D)
	{
		npcbridge::Character C;
		C.id = Utf8(D.Id);
		C.name = Utf8(D.Name);
		C.persona = Utf8(D.Persona);
		C.backstory = Utf8(D.Backstory);
		C.speaking_style = Utf8(D.SpeakingStyle);
		C.greeting = Utf8(D.Greeting);
		C.safety_policy = Utf8(D.SafetyPolicy);
		for (const FString& K : D.Knowledge) { C.knowledge.push_back(Utf8(K)); }
		return C;
	}

	static FNpcReply Reply(const npcbridge::Completed& C)
	{
		FNpcReply R;
		R.Text = Str(C.text);
		R.FinishReason = Str(C.finish_reason);
		R.CompletionTokens = C.completion_tokens;
		R.TimeToFirstTokenMs = C.ttft_ms;
		R.TokensPerSecond = C.tokens_per_second;
		return R;
	}

	static FNpcModeration Moderation(const npcbridge::Event& E)
	{
		FNpcModeration M;
		M.Source = Str(E.moderation_source);
		M.Action = static_cast<ENpcModerationAction>(E.moderation_action);
		for (const std::string& C : E.moderation_categories) { M.Categories.Add(Str(C)); }
		M.Message = Str(E.moderation_message);
		return M;
	}

	static FNpcCheckResult Check(const npcbridge::CheckResult& C)
	{
		FNpcCheckResult R;
		R.bFlagged = C.flagged;
		R.Action = static_cast<ENpcModerationAction>(C.action);
		for (const std::string& Cat : C.flagged_categories) { R.FlaggedCategories.Add(Str(Cat)); }
		R.MaskedText = Str(C.masked_text);
		return R;
	}

	static FNpcAvatar Avatar(const npcbridge::Avatar& A)
	{
		FNpcAvatar R;
		R.Id = Str(A.id);
		R.Seed = static_cast<int64>(A.seed);
		for (const auto& [K, V] : A.attributes) { R.Attributes.Add(Str(K), Str(V)); }
		for (const auto& [K, V] : A.colors) { R.Colors.Add(Str(K), Str(V)); }
		for (const auto& [K, V] : A.morph_targets) { R.MorphTargets.Add(FName(Str(K)), V); }
		R.Png.Append(A.png.data(), static_cast<int32>(A.png.size()));
		R.Width = A.width;
		R.Height = A.height;
		return R;
	}

	static FNpcServerInfo ServerInfo(const npcbridge::ServerInfo& I)
	{
		FNpcServerInfo R;
		R.ApiVersion = Str(I.api_version);
		R.RuntimeVersion = Str(I.runtime_version);
		R.bDialogue = I.capabilities.dialogue;
		R.bAvatars = I.capabilities.avatars;
		R.bModeration = I.capabilities.moderation;
		for (const auto& M : I.models) { R.Models.Add(Str(M.name)); }
		return R;
	}
};
