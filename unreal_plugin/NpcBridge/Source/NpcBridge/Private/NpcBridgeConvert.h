// Text and status codes between the native client and Unreal. The contract's
// structs convert in the generated FNpcBridgeContract (NpcBridgeContractConvert.h).
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
};
