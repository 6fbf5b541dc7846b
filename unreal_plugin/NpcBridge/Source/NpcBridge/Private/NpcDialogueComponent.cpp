#include "NpcDialogueComponent.h"

#include "NpcBridgeCall.h"
#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "NpcBridgeSubsystem.h"
#include "NpcVoiceComponent.h"
#include "npcbridge/client.hpp"

void UNpcDialogueComponent::BeginPlay()
{
	Super::BeginPlay();
	OpenSession();
}

void UNpcDialogueComponent::EndPlay(const EEndPlayReason::Type Reason)
{
	CancelReply();  // the host stops generating for an NPC that is gone
	if (UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this)) { Bridge->Cancel(OpenRequest); }
	OpenRequest = 0;
	Super::EndPlay(Reason);
}

void UNpcDialogueComponent::OpenSession()
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this);
	if (!Bridge) { return; }
	// The native client upserts, then opens the session with the id the host stored the
	// character under (an empty Id is assigned by the host), all through the event queue.
	TWeakObjectPtr<UNpcDialogueComponent> WeakThis(this);
	OpenRequest = Bridge->StartOpenSession(FNpcBridgeContract::To(Character), !Character.Persona.IsEmpty(), PlayerId,
		NpcBridgeResultHandler<npcbridge::Session>([WeakThis](const npcbridge::Status& S, const npcbridge::Session& Opened)
	{
		UNpcDialogueComponent* Self = WeakThis.Get();
		if (!Self) { return; }
		Self->OpenRequest = 0;
		if (!S.ok())
		{
			if (S.code != npcbridge::StatusCode::Cancelled)
			{
				Self->OnError.Broadcast(FNpcBridgeConvert::Result(S.code), FNpcBridgeConvert::Str(S.message));
			}
			return;
		}
		Self->Character.Id = FNpcBridgeConvert::Str(Opened.character_id);
		Self->SessionId = FNpcBridgeConvert::Str(Opened.id);
		if (Self->Pending.IsSet())
		{
			FNpcSayRequest Request = Self->Pending.GetValue();
			Self->Pending.Reset();
			Self->SendNow(MoveTemp(Request));
		}
	}));
}

void UNpcDialogueComponent::Say(const FString& Text)
{
	SayInContext(Text, {}, FNpcGameEvent(), {});
}

void UNpcDialogueComponent::SayInContext(const FString& Text, const TMap<FString, FString>& Context,
	const FNpcGameEvent& Event, const TArray<FString>& AllowedActions)
{
	CancelReply();
	FNpcSayRequest Request;
	Request.Text = Text;
	Request.Context = Context;
	Request.Event = Event;
	Request.AllowedActions = AllowedActions;
	if (SessionId.IsEmpty()) { Pending = Request; return; }
	SendNow(MoveTemp(Request));
}

void UNpcDialogueComponent::SendNow(FNpcSayRequest Say)
{
	UNpcBridgeSubsystem* Bridge = UNpcBridgeSubsystem::Get(this);
	if (!Bridge) { return; }
	Say.SessionId = SessionId;
	Say.Params.MaxTokens = MaxTokens;
	Say.Priority = Priority;
	UNpcVoiceComponent* Voice = GetOwner() ? GetOwner()->FindComponentByClass<UNpcVoiceComponent>() : nullptr;
	Say.bAudio = bSpeak && Voice != nullptr;
	if (Say.bAudio) { Voice->BeginReply(); }
	npcbridge::SayRequest Request = FNpcBridgeContract::To(Say);
	TWeakObjectPtr<UNpcDialogueComponent> WeakThis(this);
	TWeakObjectPtr<UNpcVoiceComponent> WeakVoice(Voice);
	ActiveRequest = Bridge->StartSay(Request, [WeakThis, WeakVoice](const npcbridge::Event& E)
	{
		UNpcDialogueComponent* Self = WeakThis.Get();
		if (!Self) { return; }
		switch (E.type)
		{
		case npcbridge::EventType::Audio: if (WeakVoice.IsValid()) { WeakVoice->QueueAudio(E.audio); } break;
		case npcbridge::EventType::Viseme: if (WeakVoice.IsValid()) { WeakVoice->QueueViseme(E.viseme); } break;
		case npcbridge::EventType::TextDelta: Self->OnTextDelta.Broadcast(FNpcBridgeConvert::Str(E.text)); break;
		case npcbridge::EventType::Moderation: Self->OnModerated.Broadcast(FNpcBridgeContract::From(E.moderation)); break;
		case npcbridge::EventType::Emotion: Self->OnEmotion.Broadcast(FNpcBridgeContract::From(E.emotion)); break;
		case npcbridge::EventType::Action: Self->OnAction.Broadcast(FNpcBridgeContract::From(E.action)); break;
		case npcbridge::EventType::Completed:
			Self->ActiveRequest = 0;
			Self->OnReplyCompleted.Broadcast(FNpcBridgeContract::From(E.completed));
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
