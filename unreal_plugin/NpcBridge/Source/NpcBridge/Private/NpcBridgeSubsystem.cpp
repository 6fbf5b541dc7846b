#include "NpcBridgeSubsystem.h"

#include "Engine/GameInstance.h"
#include "Engine/World.h"
#include "Misc/FileHelper.h"
#include "NpcBridgeCall.h"
#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "NpcBridgeEventRouter.h"
#include "NpcBridgeModule.h"
#include "NpcBridgeSettings.h"
#include "npcbridge/client.hpp"

void UNpcBridgeSubsystem::Initialize(FSubsystemCollectionBase& Collection)
{
	Super::Initialize(Collection);
	if (!FNpcBridgeModule::IsClientLoaded())
	{
		// The module logged why at startup; calling into a missing delay-loaded DLL would crash.
		UE_LOG(LogNpcBridge, Error, TEXT("NPC Bridge: no native client loaded; the subsystem stays disconnected"));
		return;
	}
	const UNpcBridgeSettings* Settings = GetDefault<UNpcBridgeSettings>();
	npcbridge::ClientOptions Options;
	Options.address = FNpcBridgeConvert::Utf8(FString::Printf(TEXT("%s:%d"), *Settings->Host, Settings->Port));
	Options.auth_token = FNpcBridgeConvert::Utf8(Settings->AuthToken);
	Options.tls = Settings->bUseTls;
	FString Pem;
	if (Settings->bUseTls && !Settings->TlsRootCertificates.FilePath.IsEmpty())
	{
		FFileHelper::LoadFileToString(Pem, *Settings->TlsRootCertificates.FilePath);
	}
	Options.tls_root_certs = FNpcBridgeConvert::Utf8(Pem);
	Options.client_name = "npcbridge-unreal";
	Options.timeout_ms = Settings->CallTimeoutMs;
	Options.stream_timeout_ms = Settings->StreamTimeoutMs;
	Client = MakeShared<npcbridge::Client>(Options);
	Router = MakeUnique<FNpcBridgeEventRouter>();
	Router->SetConnectionHandler([this](const npcbridge::Event& E)
	{
		if (E.type == npcbridge::EventType::VersionWarning)
		{
			UE_LOG(LogNpcBridge, Warning, TEXT("%s"), *FNpcBridgeConvert::Str(E.text));
		}
		else if (E.type == npcbridge::EventType::ConnectionChanged)
		{
			OnConnectionChanged.Broadcast(E.connection_state == npcbridge::ConnectionState::Ready);
		}
	});
	if (Settings->bConnectOnStart) { Connect(); }
}

void UNpcBridgeSubsystem::Deinitialize()
{
	Router.Reset();
	Client.Reset();  // cancels every call in flight and joins its threads
	Super::Deinitialize();
}

void UNpcBridgeSubsystem::Tick(float DeltaTime)
{
	if (Client.IsValid() && Router.IsValid())
	{
		Client->Poll([this](const npcbridge::Event& E) { Router->Dispatch(E); });
	}
}

namespace
{
npcbridge::Status NotLoaded()
{
	return {npcbridge::StatusCode::Unavailable, "the NPC Bridge native client is not loaded (see the log at startup)"};
}
}

void UNpcBridgeSubsystem::Connect()
{
	Cancel(ConnectRequest);
	const uint64 Id = Client.IsValid() ? Client->ConnectAsync() : 0;
	ConnectRequest = Listen(Id, NotLoaded(), NpcBridgeResultHandler<npcbridge::ServerInfo>(
		[this](const npcbridge::Status& S, const npcbridge::ServerInfo& Info)
	{
		ConnectRequest = 0;
		if (S.ok()) { ServerInfo = FNpcBridgeContract::From(Info); }
		else { UE_LOG(LogNpcBridge, Warning, TEXT("connect: %s"), *FNpcBridgeConvert::Str(S.message)); }
		OnConnected.Broadcast(FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message));
	}));
}

uint64 UNpcBridgeSubsystem::Listen(uint64 Id, const npcbridge::Status& Error, FEventHandler Handler)
{
	if (Id == 0)
	{
		// Refused before it reached the host (e.g. invalid UTF-8): report it like any failure.
		npcbridge::Event Failed;
		Failed.type = npcbridge::EventType::Error;
		Failed.status = Error;
		Handler(Failed);
		return 0;
	}
	Router->Listen(Id, MoveTemp(Handler));
	return Id;
}

uint64 UNpcBridgeSubsystem::StartSay(const npcbridge::SayRequest& Request, FEventHandler Handler)
{
	npcbridge::Status Error = NotLoaded();
	const uint64 Id = Client.IsValid() ? Client->Say(Request, &Error) : 0;
	return Listen(Id, Error, MoveTemp(Handler));
}

uint64 UNpcBridgeSubsystem::StartAvatar(const npcbridge::GenerateAvatarRequest& Request, FEventHandler Handler)
{
	npcbridge::Status Error = NotLoaded();
	const uint64 Id = Client.IsValid() ? Client->GenerateAvatar(Request, &Error) : 0;
	return Listen(Id, Error, MoveTemp(Handler));
}

uint64 UNpcBridgeSubsystem::StartCall(const char* Method, const std::string& RequestJson, FEventHandler Handler)
{
	const uint64 Id = Client.IsValid() ? Client->CallAsync(Method, RequestJson) : 0;
	return Listen(Id, NotLoaded(), MoveTemp(Handler));
}

uint64 UNpcBridgeSubsystem::StartOpenSession(const npcbridge::Character& Character, bool bUpsert, const FString& PlayerId,
	FEventHandler Handler)
{
	npcbridge::Status Error = NotLoaded();
	const uint64 Id = Client.IsValid()
		? Client->OpenSessionAsync(Character, bUpsert, FNpcBridgeConvert::Utf8(PlayerId), &Error) : 0;
	return Listen(Id, Error, MoveTemp(Handler));
}

void UNpcBridgeSubsystem::Cancel(uint64 RequestId)
{
	if (Client.IsValid() && RequestId != 0) { Client->Cancel(RequestId); }
}

UNpcBridgeSubsystem* UNpcBridgeSubsystem::Get(const UObject* WorldContext)
{
	const UWorld* World = WorldContext ? WorldContext->GetWorld() : nullptr;
	const UGameInstance* GI = World ? World->GetGameInstance() : nullptr;
	return GI ? GI->GetSubsystem<UNpcBridgeSubsystem>() : nullptr;
}
