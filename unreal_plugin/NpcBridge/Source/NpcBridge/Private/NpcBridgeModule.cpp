#include "NpcBridgeModule.h"

IMPLEMENT_MODULE(FNpcBridgeModule, NpcBridge)
