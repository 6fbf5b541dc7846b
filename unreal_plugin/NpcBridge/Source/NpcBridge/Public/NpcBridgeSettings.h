// Project Settings > Plugins > NPC Bridge.
#pragma once

#include "CoreMinimal.h"
#include "Engine/DeveloperSettings.h"
#include "NpcBridgeSettings.generated.h"

UCLASS(Config = Game, DefaultConfig, meta = (DisplayName = "NPC Bridge"))
class NPCBRIDGE_API UNpcBridgeSettings : public UDeveloperSettings
{
	GENERATED_BODY()

public:
	UPROPERTY(Config, EditAnywhere, Category = "Host") FString Host = TEXT("127.0.0.1");
	UPROPERTY(Config, EditAnywhere, Category = "Host", meta = (ClampMin = 1, ClampMax = 65535)) int32 Port = 50051;
	/** Bearer token the host requires (leave empty for a local host). Prefer an environment-specific ini. */
	UPROPERTY(Config, EditAnywhere, Category = "Host", meta = (PasswordField = true)) FString AuthToken;
	UPROPERTY(Config, EditAnywhere, Category = "Host") bool bUseTls = false;
	/** PEM root certificates for TLS; empty uses the system roots. */
	UPROPERTY(Config, EditAnywhere, Category = "Host", meta = (EditCondition = "bUseTls")) FFilePath TlsRootCertificates;
	UPROPERTY(Config, EditAnywhere, Category = "Timeouts", meta = (ClampMin = 100)) int32 CallTimeoutMs = 10000;
	UPROPERTY(Config, EditAnywhere, Category = "Timeouts", meta = (ClampMin = 1000)) int32 StreamTimeoutMs = 300000;
	/** Connect (handshake) when the game instance starts. */
	UPROPERTY(Config, EditAnywhere, Category = "Host") bool bConnectOnStart = true;

	virtual FName GetCategoryName() const override { return TEXT("Plugins"); }
};
