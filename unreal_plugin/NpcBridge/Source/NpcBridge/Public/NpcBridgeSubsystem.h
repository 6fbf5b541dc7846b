// Owns the native client for the game instance and polls it every frame, so
// every delegate fires on the game thread: streams and unary calls alike go
// through the client's event queue, which Tick alone drains.
#pragma once

#include <string>

#include "CoreMinimal.h"
#include "Subsystems/GameInstanceSubsystem.h"
#include "Tickable.h"
#include "NpcBridgeTypes.h"
#include "NpcBridgeSubsystem.generated.h"

namespace npcbridge { class Client; struct Event; struct SayRequest; struct GenerateAvatarRequest; struct Character; struct Status; }
class FNpcBridgeEventRouter;

DECLARE_DYNAMIC_MULTICAST_DELEGATE_TwoParams(FNpcBridgeConnectedSignature, ENpcBridgeResult, Result, const FString&, Message);
DECLARE_DYNAMIC_MULTICAST_DELEGATE_OneParam(FNpcBridgeConnectionSignature, bool, bReady);

UCLASS()
class NPCBRIDGE_API UNpcBridgeSubsystem : public UGameInstanceSubsystem, public FTickableGameObject
{
	GENERATED_BODY()

public:
	using FEventHandler = TFunction<void(const npcbridge::Event&)>;

	virtual void Initialize(FSubsystemCollectionBase& Collection) override;
	virtual void Deinitialize() override;

	// FTickableGameObject: Poll() once per frame on the game thread.
	virtual void Tick(float DeltaTime) override;
	virtual TStatId GetStatId() const override { RETURN_QUICK_DECLARE_CYCLE_STAT(UNpcBridgeSubsystem, STATGROUP_Tickables); }
	virtual bool IsTickable() const override { return Client.IsValid(); }
	virtual ETickableTickType GetTickableTickType() const override { return ETickableTickType::Conditional; }
	virtual bool IsTickableWhenPaused() const override { return true; }

	/** Handshake through the event queue; OnConnected fires on the game thread. */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge") void Connect();
	/** Server info from the last successful Connect (all capabilities and limits). */
	UFUNCTION(BlueprintPure, Category = "NPC Bridge") FNpcServerInfo GetServerInfo() const { return ServerInfo; }

	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcBridgeConnectedSignature OnConnected;
	/** The channel went down (false) or came back (true); the client reconnects by itself. */
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcBridgeConnectionSignature OnConnectionChanged;

	// Native API used by components and async nodes. Every call returns an id for Cancel
	// (0: refused at once, the handler has already had the Error event); handlers run in Tick.
	uint64 StartSay(const npcbridge::SayRequest& Request, FEventHandler Handler);
	uint64 StartAvatar(const npcbridge::GenerateAvatarRequest& Request, FEventHandler Handler);
	/** A unary call by name with its request's JSON (see NpcBridgeCall.h for the typed form). */
	uint64 StartCall(const char* Method, const std::string& RequestJson, FEventHandler Handler);
	/** Upserts the character (when bUpsert) and opens a session with the id the host stored it under. */
	uint64 StartOpenSession(const npcbridge::Character& Character, bool bUpsert, const FString& PlayerId, FEventHandler Handler);
	void Cancel(uint64 RequestId);

	static UNpcBridgeSubsystem* Get(const UObject* WorldContext);

private:
	uint64 Listen(uint64 Id, const npcbridge::Status& Error, FEventHandler Handler);

	TSharedPtr<npcbridge::Client> Client;
	TUniquePtr<FNpcBridgeEventRouter> Router;
	FNpcServerInfo ServerInfo;
	uint64 ConnectRequest = 0;
};
