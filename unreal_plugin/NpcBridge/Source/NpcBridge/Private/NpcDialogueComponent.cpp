#include "NpcDialogueComponent.h"

#include "NpcBridgeConvert.h"
#include "NpcBridgeSubsystem.h"
#include "npcbridge/client.hpp"

void UNpcDialogueComponent::BeginPlay()
{
	Super::BeginPlay();
	OpenSession();
}

void UNpcDialogueComponent::EndPlay(const EEndPlayReason::Type Reason)
{
	CancelReply();  // the host stops generating for an NPC that is gone
	Super::EndPlay(Reason);
}

void UNpcDialogueComponent::OpenSession()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this);
	if (!Bridge) { return; }
	const npcbridge::Character Definition = FNpcBridgeConvert::Character(Character);
	const bool bUpsert = !Character.Persona.IsEmpty();
	const std::string Player = FNpcBridgeConvert::Utf8(PlayerId);
	TSharedRef<npcbridge::Session> Opened = MakeShared<npcbridge::Session>();
	TWeakObjectPtr<UNpcDialogueComponent> WeakThis(this);
	Bridge->RunUnary([Definition, bUpsert, Player, Opened](npcbridge::Client& C)
	{
		if (bUpsert)
		{
			const npcbridge::Status S = C.UpsertCharacter(Definition);
			if (!S.ok()) { return S; }
		}
		return C.CreateSession(Definition.id, Player, &Opened.Get());
	}, [WeakThis, Opened](const npcbridge::Status& S)
	{
		UNpcDialogueComponent* Self = WeakThis.Get();
		if (!Self) { return; }
		if (!S.ok())
		{
			Self->OnError.Broadcast(FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message));
			return;
		}
		Self->SessionId = FNpcBridgeConvert::Str(Opened->id);
		if (Self->Pending.IsSet())
		{
			const FString Text = Self->Pending.GetValue();
			Self->Pending.Reset();
			Self->SendNow(Text);
		}
	});
}

void UNpcDialogueComponent::Say(const FString& Text)
{
	CancelReply();
	if (SessionId.IsEmpty()) { Pending = Text; return; }
	SendNow(Text);
}

void UNpcDialogueComponent::SendNow(const FString& Text)
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this);
	if (!Bridge) { return; }
	npcbridge::GenerationParams Params;
	Params.max_tokens = MaxTokens;
	Params.priority = Priority;
	TWeakObjectPtr<UNpcDialogueComponent> WeakThis(this);
	ActiveRequest = Bridge->StartSay(SessionId, Text, Params, [WeakThis](const npcbridge::Event& E)
	{
		UNpcDialogueComponent* Self = WeakThis.Get();
		if (!Self) { return; }
		switch (E.type)
		{
		case npcbridge::EventType::TextDelta: Self->OnTextDelta.Broadcast(FNpcBridgeConvert::Str(E.text)); break;
		case npcbridge::EventType::Moderation: Self->OnModerated.Broadcast(FNpcBridgeConvert::Moderation(E)); break;
		case npcbridge::EventType::Completed:
			Self->ActiveRequest = 0;
			Self->OnReplyCompleted.Broadcast(FNpcBridgeConvert::Reply(E.completed));
			break;
		case npcbridge::EventType::Error:
			Self->ActiveRequest = 0;
			if (E.status.code != npcbridge::StatusCode::Cancelled)
			{
				Self->OnError.Broadcast(FNpcBridgeConvert::Result(E.status.code), FNpcBridgeConvert::Str(E.status.message));
			}
			break;
		default: break;
		}
	});
}

void UNpcDialogueComponent::CancelReply()
{
	if (ActiveRequest == 0) { return; }
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this)) { Bridge->Cancel(ActiveRequest); }
	ActiveRequest = 0;
}
