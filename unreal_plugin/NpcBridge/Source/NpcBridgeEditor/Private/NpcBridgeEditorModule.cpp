// Editor module: a Tools menu entry that tests the connection with the
// configured settings (Project Settings > Plugins > NPC Bridge).
#include "Modules/ModuleManager.h"
#include "NpcBridgeSettings.h"
#include "ToolMenus.h"
#include "Misc/MessageDialog.h"
#include "npcbridge/client.hpp"

class FNpcBridgeEditorModule : public IModuleInterface
{
public:
	virtual void StartupModule() override
	{
		UToolMenus::RegisterStartupCallback(FSimpleMulticastDelegate::FDelegate::CreateRaw(this, &FNpcBridgeEditorModule::RegisterMenus));
	}

	virtual void ShutdownModule() override
	{
		UToolMenus::UnRegisterStartupCallback(this);
		UToolMenus::UnregisterOwner(this);
	}

private:
	void RegisterMenus()
	{
		FToolMenuOwnerScoped Owner(this);
		UToolMenu* Menu = UToolMenus::Get()->ExtendMenu("LevelEditor.MainMenu.Tools");
		FToolMenuSection& Section = Menu->FindOrAddSection("NpcBridge");
		Section.AddMenuEntry("NpcBridgeTestConnection", FText::FromString(TEXT("NPC Bridge: Test Connection")),
			FText::FromString(TEXT("Handshake with the host configured in Project Settings")), FSlateIcon(),
			FUIAction(FExecuteAction::CreateStatic(&FNpcBridgeEditorModule::TestConnection)));
	}

	static void TestConnection()
	{
		const UNpcBridgeSettings* Settings = GetDefault<UNpcBridgeSettings>();
		npcbridge::ClientOptions Options;
		Options.address = TCHAR_TO_UTF8(*FString::Printf(TEXT("%s:%d"), *Settings->Host, Settings->Port));
		Options.auth_token = TCHAR_TO_UTF8(*Settings->AuthToken);
		Options.tls = Settings->bUseTls;
		Options.timeout_ms = Settings->CallTimeoutMs;
		npcbridge::Client Client(Options);
		npcbridge::ServerInfo Info;
		const npcbridge::Status S = Client.Connect(&Info);
		const FString Message = S.ok()
			? FString::Printf(TEXT("Connected: API %s, host %s, %d model(s)."), UTF8_TO_TCHAR(Info.api_version.c_str()),
				UTF8_TO_TCHAR(Info.runtime_version.c_str()), static_cast<int32>(Info.models.size()))
			: FString::Printf(TEXT("%s: %s"), UTF8_TO_TCHAR(npcbridge::StatusCodeName(S.code)), UTF8_TO_TCHAR(S.message.c_str()));
		FMessageDialog::Open(EAppMsgType::Ok, FText::FromString(Message));
	}
};

IMPLEMENT_MODULE(FNpcBridgeEditorModule, NpcBridgeEditor)
