// Typed unary calls through the subsystem's event queue: the request goes out as
// JSON (CallAsync), the Result event comes back in Tick and is parsed into the
// native struct. Cancellable like a stream (UNpcBridgeSubsystem::Cancel).
#pragma once

#include "CoreMinimal.h"
#include "NpcBridgeSubsystem.h"
#include "npcbridge/contract_json.hpp"

/** What an async node reports when there is no subsystem to call through. */
inline const FString& NpcBridgeNoSubsystem()
{
	static const FString Message = TEXT("no NPC Bridge subsystem: is the plugin enabled and is there a game instance?");
	return Message;
}

template <class TResponse>
using TNpcBridgeDone = TFunction<void(const npcbridge::Status&, const TResponse&)>;

/** Handles the terminal event of a call whose Result carries TResponse's JSON. */
template <class TResponse>
UNpcBridgeSubsystem::FEventHandler NpcBridgeResultHandler(TNpcBridgeDone<TResponse> OnDone)
{
	return [OnDone = MoveTemp(OnDone)](const npcbridge::Event& E)
	{
		TResponse Response;
		const npcbridge::Status S = E.type == npcbridge::EventType::Result ? npcbridge::FromJson(E.json, &Response) : E.status;
		OnDone(S, Response);
	};
}

/** Starts `Method` with `Request`; OnDone runs on the game thread. Returns the id to cancel it with. */
template <class TResponse, class TRequest>
uint64 NpcBridgeCall(UNpcBridgeSubsystem& Bridge, const char* Method, const TRequest& Request, TNpcBridgeDone<TResponse> OnDone)
{
	return Bridge.StartCall(Method, npcbridge::ToJson(Request), NpcBridgeResultHandler<TResponse>(MoveTemp(OnDone)));
}
