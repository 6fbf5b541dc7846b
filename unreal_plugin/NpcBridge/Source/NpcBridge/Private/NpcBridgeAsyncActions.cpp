#include "NpcBridgeAsyncActions.h"

#include "NpcBridgeCall.h"
#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "NpcBridgeSubsystem.h"
#include "npcbridge/client.hpp"

// ---- Say -------------------------------------------------------------------

UNpcSayAsyncAction* UNpcSayAsyncAction::NpcSay(UObject* WorldContext, const FString& SessionId, const FString& Text, int32 MaxTokens,
	int32 Priority)
{
	UNpcSayAsyncAction* Action = NewObject<UNpcSayAsyncAction>();
	Action->Context = WorldContext;
	Action->SessionId = SessionId;
	Action->Text = Text;
	Action->MaxTokens = MaxTokens;
	Action->Priority = Priority;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcSayAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast(FString(), FNpcEmotion(), FNpcActionCall(), FNpcCompleted(), ENpcBridgeResult::FailedPrecondition,
			NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	npcbridge::SayRequest Request;
	Request.session_id = FNpcBridgeConvert::Utf8(SessionId);
	Request.text = FNpcBridgeConvert::Utf8(Text);
	Request.params.max_tokens = MaxTokens;
	Request.priority = Priority;
	TWeakObjectPtr<UNpcSayAsyncAction> WeakThis(this);
	RequestId = Bridge->StartSay(Request, [WeakThis](const npcbridge::Event& E)
	{
		UNpcSayAsyncAction* Self = WeakThis.Get();
		if (!Self || !Self->ShouldBroadcastDelegates()) { return; }
		const FNpcEmotion NoEmotion;
		const FNpcActionCall NoAction;
		const FNpcCompleted NoReply;
		if (E.type == npcbridge::EventType::TextDelta)
		{
			Self->OnDelta.Broadcast(FNpcBridgeConvert::Str(E.text), NoEmotion, NoAction, NoReply, ENpcBridgeResult::Ok, FString());
		}
		else if (E.type == npcbridge::EventType::Emotion)
		{
			Self->OnEmotion.Broadcast(FString(), FNpcBridgeContract::From(E.emotion), NoAction, NoReply, ENpcBridgeResult::Ok,
				FString());
		}
		else if (E.type == npcbridge::EventType::Action)
		{
			Self->OnAction.Broadcast(FString(), NoEmotion, FNpcBridgeContract::From(E.action), NoReply, ENpcBridgeResult::Ok,
				FString());
		}
		else if (E.type == npcbridge::EventType::Completed)
		{
			Self->OnCompleted.Broadcast(FString(), NoEmotion, NoAction, FNpcBridgeContract::From(E.completed),
				ENpcBridgeResult::Ok, FString());
			Self->SetReadyToDestroy();
		}
		else if (E.type == npcbridge::EventType::Error)
		{
			Self->OnFailed.Broadcast(FString(), NoEmotion, NoAction, NoReply, FNpcBridgeConvert::Result(E.status.code),
				FNpcBridgeConvert::Str(E.status.message));
			Self->SetReadyToDestroy();
		}
	});
}

void UNpcSayAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}

// ---- Generate Avatar -------------------------------------------------------

UNpcGenerateAvatarAsyncAction* UNpcGenerateAvatarAsyncAction::GenerateNpcAvatar(UObject* WorldContext,
	const FString& Description, const TMap<FString, FString>& Attributes, int32 Count, int64 Seed, const FString& Expression)
{
	UNpcGenerateAvatarAsyncAction* Action = NewObject<UNpcGenerateAvatarAsyncAction>();
	Action->Context = WorldContext;
	Action->Description = Description;
	Action->Expression = Expression;
	Action->Attributes = Attributes;
	Action->Count = Count;
	Action->Seed = Seed;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcGenerateAvatarAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast(FNpcAvatar(), 0, ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	npcbridge::GenerateAvatarRequest Request;
	Request.description = FNpcBridgeConvert::Utf8(Description);
	for (const auto& Pair : Attributes) { Request.attributes[FNpcBridgeConvert::Utf8(Pair.Key)] = FNpcBridgeConvert::Utf8(Pair.Value); }
	Request.count = Count;
	Request.expression = FNpcBridgeConvert::Utf8(Expression);
	if (Seed >= 0) { Request.seed = static_cast<uint64_t>(Seed); }
	TWeakObjectPtr<UNpcGenerateAvatarAsyncAction> WeakThis(this);
	RequestId = Bridge->StartAvatar(Request, [WeakThis](const npcbridge::Event& E)
	{
		UNpcGenerateAvatarAsyncAction* Self = WeakThis.Get();
		if (!Self || !Self->ShouldBroadcastDelegates()) { return; }
		if (E.type == npcbridge::EventType::Avatar)
		{
			Self->OnAvatar.Broadcast(FNpcBridgeContract::From(E.avatar), ++Self->Received, ENpcBridgeResult::Ok, FString());
		}
		else if (E.type == npcbridge::EventType::StreamDone)
		{
			Self->OnCompleted.Broadcast(FNpcAvatar(), Self->Received, ENpcBridgeResult::Ok, FString());
			Self->SetReadyToDestroy();
		}
		else if (E.type == npcbridge::EventType::Error)
		{
			Self->OnFailed.Broadcast(FNpcAvatar(), Self->Received, FNpcBridgeConvert::Result(E.status.code), FNpcBridgeConvert::Str(E.status.message));
			Self->SetReadyToDestroy();
		}
	});
}

void UNpcGenerateAvatarAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}

// ---- Check Text ------------------------------------------------------------

UNpcCheckTextAsyncAction* UNpcCheckTextAsyncAction::CheckText(UObject* WorldContext, const FString& Text, const FString& Policy)
{
	UNpcCheckTextAsyncAction* Action = NewObject<UNpcCheckTextAsyncAction>();
	Action->Context = WorldContext;
	Action->Text = Text;
	Action->Policy = Policy;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcCheckTextAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast(FNpcCheckResult(), ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	npcbridge::CheckRequest Request;
	Request.text = FNpcBridgeConvert::Utf8(Text);
	Request.policy = FNpcBridgeConvert::Utf8(Policy);
	TWeakObjectPtr<UNpcCheckTextAsyncAction> WeakThis(this);
	RequestId = NpcBridgeCall<npcbridge::CheckResult>(*Bridge, "Check", Request,
		[WeakThis](const npcbridge::Status& S, const npcbridge::CheckResult& Result)
	{
		UNpcCheckTextAsyncAction* Self = WeakThis.Get();
		if (!Self) { return; }
		if (Self->ShouldBroadcastDelegates())
		{
			if (S.ok()) { Self->OnChecked.Broadcast(FNpcBridgeContract::From(Result), ENpcBridgeResult::Ok, FString()); }
			else { Self->OnFailed.Broadcast(FNpcCheckResult(), FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message)); }
		}
		Self->SetReadyToDestroy();
	});
}

void UNpcCheckTextAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}

// ---- Get Server Info -------------------------------------------------------

UNpcGetServerInfoAsyncAction* UNpcGetServerInfoAsyncAction::GetNpcBridgeServerInfo(UObject* WorldContext)
{
	UNpcGetServerInfoAsyncAction* Action = NewObject<UNpcGetServerInfoAsyncAction>();
	Action->Context = WorldContext;
	Action->RegisterWithGameInstance(WorldContext);
	return Action;
}

void UNpcGetServerInfoAsyncAction::Activate()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get());
	if (!Bridge)
	{
		OnFailed.Broadcast(FNpcServerInfo(), ENpcBridgeResult::FailedPrecondition, NpcBridgeNoSubsystem());
		SetReadyToDestroy();
		return;
	}
	npcbridge::GetServerInfoRequest Request;
	Request.client_name = "npcbridge-unreal";
	Request.client_api_version = npcbridge::kClientApiVersion;
	TWeakObjectPtr<UNpcGetServerInfoAsyncAction> WeakThis(this);
	RequestId = NpcBridgeCall<npcbridge::ServerInfo>(*Bridge, "GetServerInfo", Request,
		[WeakThis](const npcbridge::Status& S, const npcbridge::ServerInfo& Info)
	{
		UNpcGetServerInfoAsyncAction* Self = WeakThis.Get();
		if (!Self) { return; }
		if (Self->ShouldBroadcastDelegates())
		{
			if (S.ok()) { Self->OnInfo.Broadcast(FNpcBridgeContract::From(Info), ENpcBridgeResult::Ok, FString()); }
			else { Self->OnFailed.Broadcast(FNpcServerInfo(), FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message)); }
		}
		Self->SetReadyToDestroy();
	});
}

void UNpcGetServerInfoAsyncAction::Cancel()
{
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(Context.Get())) { Bridge->Cancel(RequestId); }
	Super::Cancel();
}
