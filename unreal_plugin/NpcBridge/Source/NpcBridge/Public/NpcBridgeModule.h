#pragma once

#include "Modules/ModuleManager.h"

class FNpcBridgeModule : public IModuleInterface
{
};
