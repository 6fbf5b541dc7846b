// Owns the native client for the game instance and polls it every frame, so
// every delegate fires on the game thread.
#pragma once

#include "CoreMinimal.h"
#include "Subsystems/GameInstanceSubsystem.h"
#include "Tickable.h"
#include "NpcBridgeTypes.h"
#include "NpcBridgeSubsystem.generated.h"

namespace npcbridge { class Client; struct Event; struct GenerationParams; struct AvatarRequest; struct Status; }
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

	/** Handshake on a worker thread; OnConnected fires on the game thread. */
	UFUNCTION(BlueprintCallable, Category = "NPC Bridge") void Connect();

	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcBridgeConnectedSignature OnConnected;
	/** The channel went down (false) or came back (true); the client reconnects by itself. */
	UPROPERTY(BlueprintAssignable, Category = "NPC Bridge") FNpcBridgeConnectionSignature OnConnectionChanged;

	// Native API used by components and async nodes. Handlers run on the game thread.
	uint64 StartSay(const FString& SessionId, const FString& Text, const npcbridge::GenerationParams& Params, FEventHandler Handler);
	uint64 StartAvatar(const npcbridge::AvatarRequest& Request, FEventHandler Handler);
	void Cancel(uint64 RequestId);
	/** Runs a blocking unary call on a worker thread, then OnDone on the game thread. */
	void RunUnary(TFunction<npcbridge::Status(npcbridge::Client&)> Call, TFunction<void(const npcbridge::Status&)> OnDone);

	static UNpcBridgeSubsystem* Get(const UObject* WorldContext);

private:
	uint64 Listen(uint64 Id, const npcbridge::Status& Error, FEventHandler Handler);

	TSharedPtr<npcbridge::Client> Client;
	TUniquePtr<FNpcBridgeEventRouter> Router;
};
