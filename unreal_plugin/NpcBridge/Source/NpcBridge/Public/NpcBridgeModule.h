#pragma once

#include "Modules/ModuleManager.h"

DECLARE_LOG_CATEGORY_EXTERN(LogNpcBridge, Log, All);

/**
 * The runtime module. On Windows the native client (npcbridge.dll) is delay-loaded:
 * StartupModule loads it explicitly from the plugin's binaries folder, so a missing
 * or unloadable DLL is one clear log line at startup instead of a crash at the
 * first call. IsClientLoaded() tells the subsystem whether it may connect.
 */
class NPCBRIDGE_API FNpcBridgeModule : public IModuleInterface
{
public:
	virtual void StartupModule() override;
	virtual void ShutdownModule() override;

	/** True when the native client library is loaded (always true off Windows, where it is linked). */
	static bool IsClientLoaded();

private:
	void* ClientHandle = nullptr;
};
