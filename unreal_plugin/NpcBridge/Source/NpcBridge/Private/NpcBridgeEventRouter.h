// Routes the native client's polled events to whoever started each call.
// Plain C++ (no UObjects): the logic the automation tests cover.
#pragma once

#include "CoreMinimal.h"
#include "npcbridge/types.hpp"

class FNpcBridgeEventRouter
{
public:
	using FHandler = TFunction<void(const npcbridge::Event&)>;

	/** Handler for every event of RequestId until its terminal event (then it is dropped). */
	void Listen(uint64 RequestId, FHandler Handler) { Handlers.Add(RequestId, MoveTemp(Handler)); }
	void Forget(uint64 RequestId) { Handlers.Remove(RequestId); }
	/** Connection changes and version warnings (request id 0). */
	void SetConnectionHandler(FHandler Handler) { ConnectionHandler = MoveTemp(Handler); }

	void Dispatch(const npcbridge::Event& Event)
	{
		if (Event.request_id == 0)
		{
			if (ConnectionHandler) { ConnectionHandler(Event); }
			return;
		}
		// Copy first: the handler may start a new call and so change the map.
		FHandler* Found = Handlers.Find(Event.request_id);
		if (!Found) { return; }
		FHandler Handler = *Found;
		if (IsTerminal(Event.type)) { Handlers.Remove(Event.request_id); }
		Handler(Event);
	}

	int32 NumListeners() const { return Handlers.Num(); }

	static bool IsTerminal(npcbridge::EventType Type)
	{
		return Type == npcbridge::EventType::Completed || Type == npcbridge::EventType::StreamDone ||
			Type == npcbridge::EventType::Error || Type == npcbridge::EventType::Result;
	}

private:
	TMap<uint64, FHandler> Handlers;
	FHandler ConnectionHandler;
};
