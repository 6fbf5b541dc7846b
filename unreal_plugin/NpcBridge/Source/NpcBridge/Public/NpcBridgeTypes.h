// Blueprint-facing value types that are not part of the contract. The contract's
// own types (FNpcCharacter, FNpcCompleted, FNpcServerInfo, ...) are generated into
// NpcBridgeContract.h by scripts/gen_protos.py.
#pragma once

#include "CoreMinimal.h"
#include "NpcBridgeContract.h"
#include "NpcBridgeTypes.generated.h"

/** Mirrors gRPC status codes, plus ConnectionFailed when the host cannot be reached. */
UENUM(BlueprintType)
enum class ENpcBridgeResult : uint8
{
	Ok = 0, Cancelled = 1, Unknown = 2, InvalidArgument = 3, DeadlineExceeded = 4, NotFound = 5,
	AlreadyExists = 6, PermissionDenied = 7, ResourceExhausted = 8, FailedPrecondition = 9, Aborted = 10,
	OutOfRange = 11, Unimplemented = 12, Internal = 13, Unavailable = 14, DataLoss = 15, Unauthenticated = 16,
	ConnectionFailed = 100
};
