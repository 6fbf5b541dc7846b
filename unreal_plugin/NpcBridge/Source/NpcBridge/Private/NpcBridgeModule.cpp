#include "NpcBridgeModule.h"

#include "HAL/PlatformProcess.h"
#include "Interfaces/IPluginManager.h"
#include "Misc/Paths.h"

DEFINE_LOG_CATEGORY(LogNpcBridge);

namespace
{
bool GClientLoaded = false;
}

void FNpcBridgeModule::StartupModule()
{
#if PLATFORM_WINDOWS
	// NpcBridgeClient.Build.cs stages npcbridge.dll next to the module binaries and
	// marks it delay-loaded; load it now, from there, before anything calls into it.
	const TSharedPtr<IPlugin> Plugin = IPluginManager::Get().FindPlugin(TEXT("NpcBridge"));
	const FString BaseDir = Plugin.IsValid() ? Plugin->GetBaseDir() : FString();
	const FString Candidates[] = {
		FPaths::Combine(BaseDir, TEXT("Binaries/Win64/npcbridge.dll")),
		FPaths::Combine(BaseDir, TEXT("Source/ThirdParty/NpcBridgeClient/lib/Win64/npcbridge.dll")),
	};
	for (const FString& Path : Candidates)
	{
		if (FPaths::FileExists(Path))
		{
			ClientHandle = FPlatformProcess::GetDllHandle(*Path);
			if (ClientHandle != nullptr)
			{
				UE_LOG(LogNpcBridge, Log, TEXT("NPC Bridge: loaded native client %s"), *Path);
				break;
			}
			UE_LOG(LogNpcBridge, Error,
				TEXT("NPC Bridge: %s exists but did not load (a DLL it needs is missing? build it with the "
				     "x64-windows-static-md triplet, see native_client/README.md)"), *Path);
		}
	}
	if (ClientHandle == nullptr)
	{
		UE_LOG(LogNpcBridge, Error,
			TEXT("NPC Bridge: native client npcbridge.dll not found in %s/Binaries/Win64 or "
			     "Source/ThirdParty/NpcBridgeClient/lib/Win64; build it (native_client/README.md) and copy it "
			     "there. NPC dialogue is disabled until then."), *BaseDir);
	}
	GClientLoaded = ClientHandle != nullptr;
#else
	GClientLoaded = true;  // linked normally on the other platforms
#endif
}

void FNpcBridgeModule::ShutdownModule()
{
	if (ClientHandle != nullptr)
	{
		FPlatformProcess::FreeDllHandle(ClientHandle);
		ClientHandle = nullptr;
	}
	GClientLoaded = false;
}

bool FNpcBridgeModule::IsClientLoaded()
{
	return GClientLoaded;
}

IMPLEMENT_MODULE(FNpcBridgeModule, NpcBridge)
