// Automation tests for the plain logic (Session Frontend > Automation > NpcBridge).
#include "Misc/AutomationTest.h"

#if WITH_DEV_AUTOMATION_TESTS

#include "NpcBridgeContractConvert.h"
#include "NpcBridgeConvert.h"
#include "NpcBridgeEventRouter.h"
#include "NpcVisemeClock.h"

IMPLEMENT_SIMPLE_AUTOMATION_TEST(FNpcBridgeRouterTest, "NpcBridge.EventRouter.RoutesUntilTerminal",
	EAutomationTestFlags::EditorContext | EAutomationTestFlags::EngineFilter)

bool FNpcBridgeRouterTest::RunTest(const FString& Parameters)
{
	FNpcBridgeEventRouter Router;
	int32 Seen = 0, Connection = 0;
	Router.Listen(7, [&Seen](const npcbridge::Event&) { ++Seen; });
	Router.SetConnectionHandler([&Connection](const npcbridge::Event&) { ++Connection; });
	npcbridge::Event Delta;
	Delta.type = npcbridge::EventType::TextDelta;
	Delta.request_id = 7;
	Router.Dispatch(Delta);
	npcbridge::Event Other = Delta;
	Other.request_id = 8;  // nobody listens: dropped
	Router.Dispatch(Other);
	npcbridge::Event Done;
	Done.type = npcbridge::EventType::Completed;
	Done.request_id = 7;
	Router.Dispatch(Done);
	Router.Dispatch(Delta);  // after the terminal event: no handler left
	npcbridge::Event Conn;
	Conn.type = npcbridge::EventType::ConnectionChanged;
	Router.Dispatch(Conn);
	TestEqual(TEXT("events for request 7"), Seen, 2);
	TestEqual(TEXT("connection events"), Connection, 1);
	TestEqual(TEXT("listeners left"), Router.NumListeners(), 0);
	return true;
}

IMPLEMENT_SIMPLE_AUTOMATION_TEST(FNpcBridgeConvertTest, "NpcBridge.Convert.CodesAndText",
	EAutomationTestFlags::EditorContext | EAutomationTestFlags::EngineFilter)

bool FNpcBridgeConvertTest::RunTest(const FString& Parameters)
{
	TestTrue(TEXT("not found"), FNpcBridgeConvert::Result(npcbridge::StatusCode::NotFound) == ENpcBridgeResult::NotFound);
	TestTrue(TEXT("connection failed"),
		FNpcBridgeConvert::Result(npcbridge::StatusCode::ConnectionFailed) == ENpcBridgeResult::ConnectionFailed);
	const FString Text = TEXT("Grüße, Reisender! 旅人");
	TestEqual(TEXT("UTF-8 round trip"), FNpcBridgeConvert::Str(FNpcBridgeConvert::Utf8(Text)), Text);
	npcbridge::Avatar A;
	A.spec.morph_targets["jawOpen"] = 0.25f;
	A.png = {0x89, 'P', 'N', 'G'};
	const FNpcAvatar Converted = FNpcBridgeContract::From(A);
	TestEqual(TEXT("morph target"), Converted.Spec.MorphTargets.FindRef(TEXT("jawOpen")), 0.25f);
	TestEqual(TEXT("png bytes"), Converted.Png.Num(), 4);
	npcbridge::Character C;
	C.deflections = {"Not now."};
	C.greeting = "Hail.";
	const npcbridge::Character Back = FNpcBridgeContract::To(FNpcBridgeContract::From(C));
	TestTrue(TEXT("deflections and greeting survive"), Back.deflections == C.deflections && Back.greeting == C.greeting);
	return true;
}


IMPLEMENT_SIMPLE_AUTOMATION_TEST(FNpcVisemeClockTest, "NpcBridge.Voice.VisemesFollowTheQueuedAudio",
	EAutomationTestFlags::EditorContext | EAutomationTestFlags::EngineFilter)
bool FNpcVisemeClockTest::RunTest(const FString& Parameters)
{
	FNpcVisemeClock Clock;
	npcbridge::AudioChunk Chunk;
	Chunk.pcm16.resize(2000);  // 1000 samples at 10 kHz: 100 ms
	Chunk.sample_rate = 10000;
	Clock.AddAudio(Chunk);
	npcbridge::Viseme PP;
	PP.name = "PP";
	PP.start_ms = 10;
	PP.end_ms = 40;
	npcbridge::Viseme Aa;
	Aa.name = "aa";
	Aa.start_ms = 90;
	Aa.end_ms = 150;
	npcbridge::Viseme Late;
	Late.name = "ou";
	Late.start_ms = 120;
	Late.end_ms = 160;
	Clock.AddViseme(PP);
	Clock.AddViseme(Aa);
	Clock.AddViseme(Late);
	TestEqual(TEXT("nothing before 10 ms"), Clock.Due(5).Num(), 0);
	TestEqual(TEXT("PP at 20 ms"), Clock.Due(20).Num(), 1);
	// Played time past the queued audio (an underrun) is held at its end: "ou" waits for its audio.
	TArray<npcbridge::Viseme> Due = Clock.Due(500);
	TestEqual(TEXT("only aa by the end of the queued audio"), Due.Num(), 1);
	TestEqual(TEXT("aa"), FString(UTF8_TO_TCHAR(Due[0].name.c_str())), FString(TEXT("aa")));
	Clock.Reset();
	TestEqual(TEXT("reset"), Clock.GetQueuedMs(), 0.f);
	return true;
}

#endif  // WITH_DEV_AUTOMATION_TESTS
